import Foundation
import IKEConfig
import IKECrypto
#if canImport(Glibc)
import Glibc
#endif

/// `ikecert`: the Solaris certificate and key databases. `certlocal` keeps private keys in
/// /etc/inet/secret/ike.privatekeys/ (0600 files in a 0700 directory), `certdb` certificates in
/// /etc/inet/ike/publickeys/; a key and its certificate share a slot: the same numbered file name.
/// `--root DIR` looks for /etc/inet below DIR, as the other commands do.
@main
struct IKECert {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    let root: String
    var privateKeys: String { root + "/etc/inet/secret/ike.privatekeys" }
    var publicKeys: String { root + "/etc/inet/ike/publickeys" }
    var revocationLists: String { root + "/etc/inet/ike/crls" }

    static let usage = """
        Usage: ikecert [--root DIR] certlocal -ks|-kc -m SIZE -t rsa-sha1|rsa-md5|dsa-sha1 -D DNAME [-A ALTNAME]... [-S START] [-F END] [-f pem|ber]
               ikecert [--root DIR] certlocal -l [-v] [SLOT] | -r SLOT | -a | -e [-f pkcs8] SLOT
               ikecert [--root DIR] certdb -a | -l [-v] [CERTSPEC] | -e [-f pem|ber] CERTSPEC | -r CERTSPEC
               ikecert [--root DIR] certrldb -a | -l [-v] | -e [-f pem|ber] ISSUER | -r ISSUER
               ikecert tokens
        CERTSPEC: one or more of a slot number, SLOT=n, SUBJECT=dn or a bare subject DN, ISSUER=dn,
        IP=, DNS=, EMAIL=, URI=, DN= (subject alternative names); !TAG=value requires its absence.
        """

    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        var root = ""
        if arguments.first == "--root", arguments.count >= 2 {
            root = arguments[1].hasSuffix("/") ? String(arguments[1].dropLast()) : arguments[1]
            arguments.removeFirst(2)
        }
        let tool = IKECert(root: root)
        do {
            try tool.run(arguments)
        } catch {
            FileHandle.standardError.write(Data("ikecert: \(error)\n".utf8))
            exit(1)
        }
    }

    func run(_ arguments: [String]) throws {
        guard let command = arguments.first else { throw Failure(Self.usage) }
        let options = Array(arguments.dropFirst())
        switch command {
        case "certlocal": try certlocal(options)
        case "certdb": try certdb(options)
        case "certrldb": try certrldb(options)
        case "tokens": throw Failure("PKCS#11 tokens are not supported yet")
        case "-h", "--help", "help": print(Self.usage)
        default: throw Failure("unknown subcommand '\(command)'\n\(Self.usage)")
        }
    }

    // MARK: certlocal

    func certlocal(_ options: [String]) throws {
        if options.contains(where: { ["-T", "-C", "-L", "-U", "-p"].contains($0) }) { throw Failure("PKCS#11 tokens are not supported yet") }
        switch options.first {
        case "-ks", "-kc": try generate(selfSigned: options.first == "-ks", Array(options.dropFirst()))
        case "-l":
            let verbose = options.contains("-v")
            let wanted = options.dropFirst().filter { $0 != "-v" }
            let certificates = try slots(publicKeys).compactMap { slot in (try? Certificate(encoded: try read(publicKeys + "/" + slot))).map { (slot, $0) } }
            for slot in try slots(privateKeys) where wanted.isEmpty || wanted.contains(slot) {
                let key = try PrivateKey(encoded: try read(privateKeys + "/" + slot))
                // The certificate whose public key is this key's (certdb -a puts a CA-issued one in another slot).
                let publicKey = key.publicKey.derEncoded()
                let paired = certificates.first { (try? $0.1.publicKey.derEncoded()) == publicKey }
                let certificate = paired.map { " for <\($0.1.subject)> (certificate slot \($0.0))" } ?? " (no certificate)"
                print("Local ID Slot \(slot): \(key.kind == .dsa ? "DSA" : "RSA") private key, \(key.bits) bits\(certificate)")
                // -v: everything, the private key included (Solaris warns this is dangerous).
                if verbose { print(String(decoding: try key.pkcs8PEM(), as: UTF8.self), terminator: "") }
            }
        case "-a":
            // A private key from standard input (PKCS#8 DER or PEM, or PKCS#1): stored as PKCS#8.
            let key = try PrivateKey(encoded: Array(FileHandle.standardInput.readDataToEndOfFile()))
            let slot = try nextSlot()
            try store(key, slot: slot)
            print("Private key added to slot \(slot).")
        case "-e":
            var rest = Array(options.dropFirst()), format = "ber"
            if rest.first == "-f", rest.count >= 2 { format = rest[1]; rest.removeFirst(2) }
            guard rest.count == 1, let slot = Int(rest[0]) else { throw Failure("certlocal -e takes a slot number") }
            guard ["ber", "pkcs8"].contains(format) else { throw Failure("certlocal -e -f takes pkcs8") }
            let key = try PrivateKey(encoded: try read(privateKeys + "/\(slot)"))
            FileHandle.standardOutput.write(Data(try key.pkcs8DER()))
        case "-r":
            guard options.count == 2, let slot = Int(options[1]) else { throw Failure("certlocal -r takes a slot number") }
            let path = privateKeys + "/\(slot)"
            guard unlink(path) == 0 else { throw Failure("no private key in slot \(slot)") }
            print("Removed private key in slot \(slot).")
        default:
            throw Failure(Self.usage)
        }
    }

    /// certlocal -ks (key pair, self-signed certificate into certdb, printed) or -kc (key pair, PKCS#10 request printed).
    func generate(selfSigned: Bool, _ options: [String]) throws {
        var size: Int?, type: String?, subject: String?, alternatives: [String] = [], start = 0, end = 4 * 365 * 86400, format = "pem"
        var index = 0
        func value() throws -> String {
            index += 1
            guard index < options.count else { throw Failure("\(options[index - 1]) needs a value") }
            return options[index]
        }
        while index < options.count {
            switch options[index] {
            case "-m": size = Int(try value())
            case "-t": type = try value()
            case "-D": subject = try value()
            case "-A": alternatives.append(try value())
            case "-S": start = try Self.validityTime(try value())
            case "-F": end = try Self.validityTime(try value())
            case "-f": format = try value()
            default: throw Failure("unknown option \(options[index])\n\(Self.usage)")
            }
            index += 1
        }
        guard let size, let type, let subject else { throw Failure("-m SIZE, -t TYPE and -D DNAME are required") }
        guard size != 512 else { throw Failure("512-bit keys are broken (factored in hours); use 2048 or more") }
        guard [1024, 2048, 3072, 4096].contains(size) else { throw Failure("-m takes 1024, 2048, 3072 or 4096") }
        guard end > start else { throw Failure("the end of validity (-F) must be after its start (-S)") }
        guard ["pem", "ber"].contains(format) else { throw Failure("-f takes pem or ber") }
        let key: PrivateKey
        let hash: CertificateRequest.HashAlgorithmName
        switch type {
        case "rsa-sha1": (key, hash) = (try PrivateKey.generateRSA(bits: size), .sha1)
        case "rsa-md5": (key, hash) = (try PrivateKey.generateRSA(bits: size), .md5)
        case "dsa-sha1": (key, hash) = (try PrivateKey.generateDSA(bits: size), .sha1)
        default: throw Failure("-t takes rsa-sha1, rsa-md5 or dsa-sha1")
        }
        let request = CertificateRequest(subject: subject, alternativeNames: alternatives, notBefore: start, notAfter: end, hash: hash)
        FileHandle.standardError.write(Data("Generating, please wait...\n".utf8))
        let slot = try nextSlot()
        if selfSigned {
            // A self-signed certificate is a root: marked as a CA (basicConstraints CA:TRUE, keyCertSign
            // with digitalSignature), so the same key pair can also issue certificates and be a cert_root.
            let der = try request.authority(key: key, serial: UInt64.random(in: 1...UInt64(Int64.max)))
            try store(key, slot: slot)
            try write(publicKeys + "/\(slot)", Array(Self.pem(der, label: "CERTIFICATE").utf8), mode: 0o644, directoryMode: 0o755)
            FileHandle.standardError.write(Data("Certificate generated.\nCertificate added to database.\n".utf8))
            if format == "ber" { FileHandle.standardOutput.write(Data(der)) } else { print(Self.pem(der, label: "X509 CERTIFICATE"), terminator: "") }
        } else {
            let pem = try request.signingRequest(by: key)
            try store(key, slot: slot)
            FileHandle.standardError.write(Data("Certificate Request generated.\n".utf8))
            FileHandle.standardOutput.write(Data(pem))
        }
    }

    /// A validity bound (-S, -F) as seconds from `now`: relative, `{+|-}` with N and a unit (s, m, h,
    /// d, w fixed-length; M and y by the calendar, an overflowing day rolling forward: Jan 31 + 1M is
    /// Mar 3), in any combination; or an absolute local date and time in one of the `getdate`
    /// formats Solaris's /etc/datemsk commonly holds (2030-01-31, 2030-01-31 12:00[:00],
    /// 01/31/2030 [12:00:00], Jan 31 2030, 31 Jan 2030).
    static func validityTime(_ text: String, now: Int = Int(time(nil))) throws -> Int {
        guard let sign = text.first, sign == "+" || sign == "-" else { return try absoluteTime(text) - now }
        var seconds = 0, months = 0, number = ""
        for character in text.dropFirst() {
            if character.isNumber { number.append(character); continue }
            let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400]
            guard let count = Int(number), count <= 1_000_000 else { throw Failure("'\(text)' is not a relative time ({+|-}[Ns][Nm][Nh][Nd][Nw][NM][Ny])") }
            switch character {
            case "M": months += count
            case "y": months += 12 * count
            default:
                guard let unit = units[character] else { throw Failure("'\(text)' is not a relative time ({+|-}[Ns][Nm][Nh][Nd][Nw][NM][Ny])") }
                seconds += count * unit
            }
            number = ""
        }
        guard number.isEmpty, text.count > 1 else { throw Failure("'\(text)' ends without a unit") }
        let direction = sign == "-" ? -1 : 1
        guard months > 0 else { return direction * seconds }
        var clock = time_t(now), parts = tm()
        gmtime_r(&clock, &parts)
        let (month, overflow) = Int(parts.tm_mon).addingReportingOverflow(direction * months)
        guard !overflow, let field = Int32(exactly: month) else { throw Failure("'\(text)' is too far") }
        parts.tm_mon = field
        let moved = Int(timegm(&parts))
        return moved - now + direction * seconds
    }

    static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// An absolute local date: YYYY-MM-DD, MM/DD/YYYY, "Mon DD YYYY" or "DD Mon YYYY", optionally
    /// followed by HH:MM or HH:MM:SS.
    static func absoluteTime(_ text: String) throws -> Int {
        let failure = Failure("'\(text)' is neither a relative time ({+|-}[Ns][Nm][Nh][Nd][Nw][NM][Ny]) nor a date (YYYY-MM-DD [HH:MM[:SS]], MM/DD/YYYY, Mon DD YYYY)")
        let words = text.split(separator: " ").map(String.init)
        var year: Int?, month: Int?, day: Int?, clockWords = words
        if let first = words.first, first.contains("-") {
            let parts = first.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { throw failure }
            (year, month, day) = (parts[0], parts[1], parts[2])
            clockWords = Array(words.dropFirst())
        } else if let first = words.first, first.contains("/") {
            let parts = first.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 3 else { throw failure }
            (month, day, year) = (parts[0], parts[1], parts[2])
            clockWords = Array(words.dropFirst())
        } else if words.count >= 3 {
            let named = words[0..<3].map { $0.lowercased() }
            if let index = monthNames.firstIndex(where: { named[0].hasPrefix($0) }) {
                (month, day, year) = (index + 1, Int(named[1]), Int(named[2]))
            } else if let index = monthNames.firstIndex(where: { named[1].hasPrefix($0) }) {
                (day, month, year) = (Int(named[0]), index + 1, Int(named[2]))
            }
            clockWords = Array(words.dropFirst(3))
        }
        guard let year, let month, let day, (1970...9999).contains(year), (1...12).contains(month), (1...31).contains(day), clockWords.count <= 1 else { throw failure }
        var hour = 0, minute = 0, second = 0
        if let clock = clockWords.first {
            let parts = clock.split(separator: ":").compactMap { Int($0) }
            guard (2...3).contains(parts.count), (0...23).contains(parts[0]), (0...59).contains(parts[1]), parts.count == 2 || (0...60).contains(parts[2]) else { throw failure }
            (hour, minute, second) = (parts[0], parts[1], parts.count == 3 ? parts[2] : 0)
        }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        parts.tm_isdst = -1
        let seconds = mktime(&parts)
        guard seconds != -1 else { throw failure }
        return Int(seconds)
    }

    // MARK: certdb

    func certdb(_ options: [String]) throws {
        if options.contains(where: { ["-T", "-C", "-L", "-U", "-p"].contains($0) }) { throw Failure("PKCS#11 tokens are not supported yet") }
        switch options.first {
        case "-a":
            let bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
            let certificate = try Certificate(encoded: bytes)
            let slot = try nextSlot()
            try write(publicKeys + "/\(slot)", Array(Self.pem(certificate.der, label: "CERTIFICATE").utf8), mode: 0o644, directoryMode: 0o755)
            print("Certificate added to database (slot \(slot)): <\(certificate.subject)>")
        case "-l":
            let verbose = options.contains("-v")
            let specifiers = options.dropFirst().filter { $0 != "-v" }
            let keys = Set(try slots(privateKeys).compactMap { slot in (try? PrivateKey(encoded: try read(privateKeys + "/" + slot)))?.publicKey.derEncoded() })
            for slot in try slots(publicKeys) {
                guard let certificate = try? Certificate(encoded: try read(publicKeys + "/" + slot)),
                      specifiers.allSatisfy({ Self.specifier($0, matches: certificate, slot: slot) }) else { continue }
                let paired = (try? certificate.publicKey.derEncoded()).map(keys.contains) ?? false
                print("Certificate Slot Name: \(slot)   Key Type: \(try PublicKeyKind.of(certificate))\(paired ? " (private key available)" : "")")
                print("\tSubject Name: <\(certificate.subject)>")
                print("\tIssuer Name: <\(certificate.issuer)>")
                if verbose {
                    let validity = certificate.validity
                    print("\tSerial Number: \(certificate.serialHex)")
                    print("\tValidity: not before \(validity.notBefore), not after \(validity.notAfter)")
                    for name in certificate.alternativeNames { print("\tSubject Alternative Name: \(name)") }
                    if certificate.isAuthority { print("\tCertificate authority (basic constraints CA)") }
                }
            }
        case "-e":
            var rest = Array(options.dropFirst()), format = "pem"
            if rest.first == "-f", rest.count >= 2 { format = rest[1]; rest.removeFirst(2) }
            guard !rest.isEmpty else { throw Failure("certdb -e takes a certspec") }
            let (_, certificate) = try find(rest)
            if format == "ber" { FileHandle.standardOutput.write(Data(certificate.der)) } else { print(Self.pem(certificate.der, label: "X509 CERTIFICATE"), terminator: "") }
        case "-r":
            guard options.count >= 2 else { throw Failure("certdb -r takes a certspec") }
            let (slot, certificate) = try find(Array(options.dropFirst()))
            guard unlink(publicKeys + "/" + slot) == 0 else { throw Failure("cannot remove slot \(slot)") }
            print("Removed certificate in slot \(slot): <\(certificate.subject)>")
        default:
            throw Failure(Self.usage)
        }
    }

    // MARK: certrldb

    func certrldb(_ options: [String]) throws {
        switch options.first {
        case "-a":
            let list = try RevocationList(encoded: Array(FileHandle.standardInput.readDataToEndOfFile()))
            let slot = (0...).first { !FileManager.default.fileExists(atPath: revocationLists + "/\($0)") }!
            try write(revocationLists + "/\(slot)", Array(Self.pem(list.der, label: "X509 CRL").utf8), mode: 0o644, directoryMode: 0o755)
            print("CRL added to database (slot \(slot)): issued by <\(list.issuer)>, \(list.revokedCount) revoked")
        case "-l":
            let verbose = options.contains("-v")
            for slot in try slots(revocationLists) {
                guard let list = try? RevocationList(encoded: try read(revocationLists + "/" + slot)) else { continue }
                print("Certificate Revocation List Slot \(slot): issued by <\(list.issuer)>, \(list.revokedCount) certificates revoked")
                if verbose {
                    for serial in list.revokedSerials.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
                        print("\tRevoked serial: \(serial.map { String($0 >> 4, radix: 16, uppercase: true) + String($0 & 0x0F, radix: 16, uppercase: true) }.joined(separator: ":"))")
                    }
                }
            }
        case "-e", "-r":
            var rest = Array(options.dropFirst()), format = "pem"
            if options.first == "-e", rest.first == "-f", rest.count >= 2 { format = rest[1]; rest.removeFirst(2) }
            let issuer = rest.joined(separator: " ")
            guard !issuer.isEmpty else { throw Failure("certrldb \(options[0]) takes the issuer's DN") }
            let wanted = issuer.hasPrefix("ISSUER=") ? String(issuer.dropFirst(7)) : issuer
            guard let (slot, list) = try slots(revocationLists).lazy.compactMap({ slot -> (String, RevocationList)? in
                guard let list = try? RevocationList(encoded: try self.read(self.revocationLists + "/" + slot)) else { return nil }
                return Certificate.sameName(wanted, list.issuer) ? (slot, list) : nil
            }).first else { throw Failure("no CRL issued by '\(wanted)'") }
            if options.first == "-r" {
                guard unlink(revocationLists + "/" + slot) == 0 else { throw Failure("cannot remove slot \(slot)") }
                print("Removed CRL in slot \(slot).")
            } else if format == "ber" {
                FileHandle.standardOutput.write(Data(list.der))
            } else {
                print(Self.pem(list.der, label: "X509 CRL"), terminator: "")
            }
        default:
            throw Failure(Self.usage)
        }
    }

    /// The first certificate a certspec names (§6.3): each argument one specifier — a slot number,
    /// SLOT=n, SUBJECT=dn or a bare subject DN, ISSUER=dn, or a subject alternative name IP=, DNS=,
    /// EMAIL=, URI=, DN=, RID= —, `!` before a tag requiring its absence; all must hold.
    func find(_ specifiers: [String]) throws -> (String, Certificate) {
        for slot in try slots(publicKeys) {
            guard let certificate = try? Certificate(encoded: try read(publicKeys + "/" + slot)) else { continue }
            if specifiers.allSatisfy({ Self.specifier($0, matches: certificate, slot: slot) }) { return (slot, certificate) }
        }
        throw Failure("no certificate matches '\(specifiers.joined(separator: " "))'")
    }

    /// One certspec argument: a selector of its own (ike.config's cert-sel language), matched as the
    /// daemon matches `cert_root` and `cert_trust`; one that does not parse matches nothing.
    static func specifier(_ specifier: String, matches certificate: Certificate, slot: String) -> Bool {
        guard case .success(let selector) = CertificateSelector.parse(specifier) else { return false }
        return selector.matches(certificate, slot: slot)
    }

    // MARK: Files

    func slots(_ directory: String) throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { Int($0) != nil }.sorted { Int($0)! < Int($1)! }
    }

    /// The lowest slot free in both databases (a key and its certificate share it).
    func nextSlot() throws -> Int {
        let used = Set(try slots(privateKeys) + slots(publicKeys)).compactMap(Int.init)
        return (0...).first { !used.contains($0) }!
    }

    func store(_ key: PrivateKey, slot: Int) throws {
        try write(privateKeys + "/\(slot)", try key.pkcs8PEM(), mode: 0o600, directoryMode: 0o700)
    }

    func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure("cannot read \(path)") }
        return Array(data)
    }

    /// Writes a new file (never over an existing one), making its directory with `directoryMode`.
    func write(_ path: String, _ bytes: [UInt8], mode: mode_t, directoryMode: Int) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: (directory as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: directory) {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: directoryMode])
        }
        // The key directory is never left open to others (install.sh and the package make it 0700).
        if directoryMode == 0o700 { chmod(directory, 0o700) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw Failure("cannot write \(path)") }
    }

    static func pem(_ der: [UInt8], label: String) -> String {
        let base64 = Data(der).base64EncodedString()
        var lines: [String] = []
        var index = base64.startIndex
        while index < base64.endIndex {
            let next = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<next]))
            index = next
        }
        return "-----BEGIN \(label)-----\n" + lines.joined(separator: "\n") + "\n-----END \(label)-----\n"
    }
}

/// The key type of a certificate's public key, as certdb -l names it.
enum PublicKeyKind {
    static func of(_ certificate: Certificate) throws -> String {
        let key = try certificate.publicKey
        return "\(key.kind == .dsa ? "DSA" : "RSA")-\(key.bits)"
    }
}
