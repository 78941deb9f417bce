import IKEConfig
import IKECrypto
import IKEEngine
#if canImport(Glibc)
import Glibc
#endif

/// The certificate stores as in.iked uses them and `ikeadm dump certcache` lists them: publickeys/
/// (each certificate with a cache id, whether ike.config trusts it — `cert_root`, `cert_trust` —,
/// whether it is a CA, whether a CRL of crls/ revokes it, and whether a private key of
/// ike.privatekeys/ matches its public key), and from them the engine's `CertificateCredentials`.
/// Private key files must be 0600 (or 0400) in a directory nobody else can write to, like
/// ike.preshared; others are refused with the chmod that fixes them. SIGHUP and `flush certcache`
/// scan again.
public struct CertificateCache {
    struct Entry {
        var id: Int
        var file: String
        var certificate: Certificate
        var trusted: Bool
        var isAuthority: Bool
        var revoked: Bool
        /// The ike.privatekeys/ file whose key belongs to this certificate.
        var privateKeyFile: String?
        var hasPrivateKey: Bool { privateKeyFile != nil }
    }

    private(set) var entries: [Entry] = []
    /// The CRLs of crls/ by file.
    private(set) var revocationLists: [(file: String, list: RevocationList)] = []
    /// Files of the stores that could not be used, with the reason.
    private(set) var problems: [String] = []
    /// What the engine signs and verifies with.
    private(set) var credentials = CertificateCredentials()

    init() {}

    /// Reads the three stores (PEM or DER files, in file-name order).
    init(scanning paths: ConfigurationPaths, configuration: IKEConfiguration) {
        let roots = configuration.globals.certificateRoots, trust = configuration.globals.certificateTrust
        var certificates: [(file: String, certificate: Certificate)] = []
        for file in Self.files(in: paths.publicKeys) {
            let path = paths.publicKeys + "/" + file
            guard let bytes = Self.read(path) else { problems.append("\(path): cannot read"); continue }
            do { certificates.append((file, try Certificate(encoded: bytes))) } catch { problems.append("\(path): \(error)") }
        }
        for file in Self.files(in: paths.revocationLists) {
            let path = paths.revocationLists + "/" + file
            guard let bytes = Self.read(path) else { problems.append("\(path): cannot read"); continue }
            do { revocationLists.append((file, try RevocationList(encoded: bytes))) } catch { problems.append("\(path): \(error)") }
        }
        let keys = loadPrivateKeys(paths.privateKeys)
        var local: [CertificateCredentials.Local] = []
        for (file, certificate) in certificates {
            let rooted = roots.contains { $0.matches(certificate, slot: file) }
            let trusted = rooted || trust.contains { $0.matches(certificate, slot: file) }
            let keyFile = (try? certificate.publicKey.derEncoded()).flatMap { spki in keys.first { $0.publicKey == spki }?.file }
            let revoked = revocationLists.contains { certificate.named($0.list.issuer, issuer: true) && $0.list.revokes(certificate) }
            entries.append(Entry(id: entries.count + 1, file: file, certificate: certificate, trusted: trusted,
                                 isAuthority: certificate.isAuthority, revoked: revoked, privateKeyFile: keyFile))
            if let key = keys.first(where: { $0.file == keyFile })?.key {
                local.append(.init(certificate: certificate, slot: file, chain: Self.chain(of: certificate, in: certificates.map(\.certificate)), signer: key))
            }
        }
        let trusted = entries.filter(\.trusted).map(\.certificate)
        var verifier: CertificateVerifier?
        do {
            verifier = try CertificateVerifier(trusted: trusted, intermediates: certificates.map(\.certificate),
                                               revocationLists: revocationLists.map(\.list), checkRevocation: !configuration.globals.ignoreCRLs)
        } catch {
            problems.append("cannot build the trust store: \(error)")
        }
        // CR payloads name the cert_root CAs.
        let authorities = entries.filter { entry in entry.isAuthority && roots.contains { $0.matches(entry.certificate, slot: entry.file) } }.map(\.certificate)
        credentials = CertificateCredentials(local: local, known: certificates.map { (slot: $0.file, certificate: $0.certificate) },
                                             authorities: authorities, verifier: verifier)
    }

    /// The CA certificates between `certificate` and its self-signed root, found by issuer name
    /// among `known`: what we send after our own certificate.
    static func chain(of certificate: Certificate, in known: [Certificate]) -> [Certificate] {
        var chain: [Certificate] = []
        var current = certificate
        while !current.isSelfIssued, chain.count < 4,
              let issuer = known.first(where: { $0.subjectKey == current.issuerKey && $0 != current }), !issuer.isSelfIssued {
            chain.append(issuer)
            current = issuer
        }
        return chain
    }

    /// The private keys of ike.privatekeys/ that pass the file checks.
    private mutating func loadPrivateKeys(_ directory: String) -> [(file: String, key: PrivateKey, publicKey: [UInt8])] {
        let files = Self.files(in: directory)
        guard !files.isEmpty else { return [] }
        var keys: [(file: String, key: PrivateKey, publicKey: [UInt8])] = []
        for file in files {
            let path = directory + "/" + file
            if let problem = ConfigFileReader.checkSecretMode(path, holding: "private key") {
                problems.append("\(path): refused: \(problem.message)")
                continue
            }
            guard let bytes = Self.read(path) else { problems.append("\(path): cannot read"); continue }
            do {
                let key = try PrivateKey(encoded: bytes)
                keys.append((file, key, key.publicKey.derEncoded()))
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        return keys
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
            // Certificates, keys and CRLs are small; a huge file is none of them.
            if bytes.count > 1 << 20 { return nil }
        }
        return bytes
    }
}

extension CertificateCache {
    /// What `in.iked -c` (and the daemon at start and on SIGHUP) warns about the stores against
    /// ike.config: a `cert_root` or `cert_trust` that names no certificate of publickeys/, a
    /// signature rule whose `local_id` names no certificate with a private key (its transforms are
    /// then neither offered nor accepted), and files of the stores that were left out.
    public static func warnings(_ configuration: IKEConfiguration, paths: ConfigurationPaths) -> [String] {
        let cache = CertificateCache(scanning: paths, configuration: configuration)
        return cache.warnings(configuration, paths: paths) + cache.problems.map { "warning: \($0)" }
    }

    /// The warnings about ike.config's selectors against this scan.
    func warnings(_ configuration: IKEConfiguration, paths: ConfigurationPaths) -> [String] {
        let cache = self
        var warnings: [String] = []
        let globals = configuration.globals
        for (keyword, selectors) in [("cert_root", globals.certificateRoots), ("cert_trust", globals.certificateTrust)] {
            let location = globals.keywordLocations[keyword].map { "\($0): " } ?? ""
            for selector in selectors where !cache.entries.contains(where: { selector.matches($0.certificate, slot: $0.file) }) {
                warnings.append("\(location)warning: \(keyword) \"\(selector.text)\" names no certificate in \(paths.publicKeys)")
            }
        }
        for rule in configuration.rules where configuration.transforms(for: rule).contains(where: { $0.authenticationMethod == .rsaSignature }) {
            guard cache.credentials.local(matching: rule.localID, kind: .rsa) == nil else { continue }
            let location = (rule.keywordLocations["local_id"] ?? rule.location).description
            warnings.append("\(location): warning: rule \"\(rule.label)\": local_id \"\(rule.localID?.text ?? "")\" names no certificate with an RSA private key "
                            + "in \(paths.privateKeys): its rsa_sig transforms are neither offered nor accepted")
        }
        return warnings
    }
}
