import IKEConfig
import IKECrypto
#if canImport(Glibc)
import Glibc
#endif

/// The certificates of the publickeys/ store as `ikeadm dump certcache` lists them: each with a cache
/// id, its subject and issuer, whether ike.config trusts it (`cert_root`, `cert_trust`), and whether a
/// private key with the same file name sits in ike.privatekeys/. `flush certcache` scans again.
struct CertificateCache {
    struct Entry {
        var id: Int
        var file: String
        var certificate: Certificate
        var trusted: Bool
        var hasPrivateKey: Bool
    }

    private(set) var entries: [Entry] = []
    /// Files of the store that are not certificates, with the reason.
    private(set) var problems: [String] = []

    init() {}

    /// Reads every file of `paths.publicKeys` (PEM or DER), in file-name order.
    init(scanning paths: ConfigurationPaths, configuration: IKEConfiguration) {
        let trustedSelectors = configuration.globals.certificateRoots + configuration.globals.certificateTrust
        let privateKeys = Set(Self.files(in: paths.privateKeys))
        for file in Self.files(in: paths.publicKeys) {
            let path = paths.publicKeys + "/" + file
            guard let bytes = Self.read(path) else { problems.append("\(path): cannot read"); continue }
            do {
                let certificate = try Certificate(encoded: bytes)
                let trusted = trustedSelectors.contains { Self.selector($0, matches: certificate, slot: file) }
                entries.append(Entry(id: entries.count + 1, file: file, certificate: certificate, trusted: trusted, hasPrivateKey: privateKeys.contains(file)))
            } catch {
                problems.append("\(path): \(error)")
            }
        }
    }

    /// Subject, issuer and slot specifiers, compared as DNs are (case and blanks after commas aside),
    /// and subject alternative names (IP=, DNS=, EMAIL=, URI=) against the certificate's extension.
    static func selector(_ selector: CertificateSelector, matches certificate: Certificate, slot: String) -> Bool {
        guard !selector.matchesAnything else { return false }
        func holds(_ specifier: CertificateSelector.Specifier) -> Bool {
            switch specifier.kind {
            case .subject, .dn: Certificate.sameName(specifier.value, certificate.subject)
            case .issuer: Certificate.sameName(specifier.value, certificate.issuer)
            case .slot, .bare: specifier.value == slot
            case .ip, .dns, .email, .uri:
                certificate.alternativeNames.contains { $0.lowercased() == "\(specifier.kind.rawValue)=\(specifier.value)".lowercased() }
            case .rid: false
            }
        }
        return selector.includes.allSatisfy(holds) && !selector.excludes.contains(where: holds)
    }

    static func files(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        return names.sorted()
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[..<count]
            if count < chunk.count { break }
            // Certificates are small; a huge file is not one.
            if bytes.count > 1 << 20 { return nil }
        }
        return bytes
    }
}
