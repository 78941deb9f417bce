import Foundation
import IKECrypto
import IKETestSupport
import Testing

/// `ikecert`: keys and self-signed certificates made into the Solaris stores with their modes,
/// requests, listing, import, export and removal by slot or subject.
@Suite("ikecert: the certificate and key databases")
struct IKECertTests {
    static func root() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ikecert-\(UUID().uuidString)").path
    }

    static func run(_ root: String, _ arguments: [String], input: String? = nil) throws -> ProductRunner.Result {
        try ProductRunner.run("ikecert", ["--root", root] + arguments, input: input)
    }

    static func mode(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1 }

    @Test("certlocal -ks: a key in slot 0 (0600 in a 0700 directory), its self-signed certificate in publickeys/0, printed with the Solaris armor", arguments: ["rsa-sha1", "rsa-md5"])
    func selfSigned(_ type: String) throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try Self.run(root, ["certlocal", "-ks", "-m", "2048", "-t", type, "-D", "C=US, O=Example, CN=gw1.example.com", "-A", "IP=192.0.2.1", "-A", "DNS=gw1.example.com"])
        #expect(made.status == 0, "\(made.standardError)")
        #expect(made.standardOutput.hasPrefix("-----BEGIN X509 CERTIFICATE-----") && made.standardError.contains("Certificate added to database."))
        let printed = try Certificate(encoded: Array(made.standardOutput.utf8))
        #expect(printed.subject == "C=US, O=Example, CN=gw1.example.com" && printed.isSelfIssued)
        let stored = try Certificate(encoded: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/etc/inet/ike/publickeys/0"))))
        #expect(stored == printed)
        let key = try PrivateKey(encoded: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/etc/inet/secret/ike.privatekeys/0"))))
        #expect(key.kind == .rsa && key.bits == 2048)
        // The certificate's key is the stored key's public half.
        #expect(try PublicKey(certificateDER: stored.der).derEncoded() == key.publicKey.derEncoded())
        #expect(Self.mode(root + "/etc/inet/secret/ike.privatekeys/0") == 0o600 && Self.mode(root + "/etc/inet/secret/ike.privatekeys") == 0o700)
        #expect(Self.mode(root + "/etc/inet") == 0o755)
        let listed = try Self.run(root, ["certdb", "-l"]).standardOutput
        #expect(listed.contains("Certificate Slot Name: 0   Key Type: RSA-2048 (private key available)") && listed.contains("Subject Name: <C=US, O=Example, CN=gw1.example.com>"))
        #expect(try Self.run(root, ["certlocal", "-l"]).standardOutput.contains("Local ID Slot 0: RSA private key, 2048 bits for <C=US, O=Example, CN=gw1.example.com>"))
    }

    @Test("certlocal -kc prints a PKCS#10 request and keeps the key; certdb -a imports a peer's certificate; -e and -r find it by subject or slot")
    func requestImportExport() throws {
        let root = Self.root(), peer = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: peer) }
        let request = try Self.run(root, ["certlocal", "-kc", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, CN=requested"])
        #expect(request.status == 0 && request.standardOutput.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----"), "\(request.standardError)")
        #expect(FileManager.default.fileExists(atPath: root + "/etc/inet/secret/ike.privatekeys/0"))
        // The administrators exchange self-signed certificates (the Solaris guide's workflow).
        let theirs = try Self.run(peer, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Peer, CN=gw2"]).standardOutput
        let added = try Self.run(root, ["certdb", "-a"], input: theirs)
        #expect(added.status == 0 && added.standardOutput.contains("slot 1"), "\(added.standardOutput)\(added.standardError)")
        let listed = try Self.run(root, ["certdb", "-l"]).standardOutput
        #expect(!listed.contains("(private key available)"), "their key stays theirs")
        let exported = try Self.run(root, ["certdb", "-e", "SUBJECT=C=US, O=Peer, CN=gw2"])
        #expect(try Certificate(encoded: Array(exported.standardOutput.utf8)) == Certificate(encoded: Array(theirs.utf8)))
        #expect(try Self.run(root, ["certdb", "-e", "ISSUER=c=us, o=peer, cn=gw2"]).status == 0)
        #expect(try Self.run(root, ["certdb", "-r", "1"]).status == 0)
        #expect(try Self.run(root, ["certdb", "-e", "1"]).status == 1)
        #expect(try Self.run(root, ["certlocal", "-r", "0"]).status == 0 && !FileManager.default.fileExists(atPath: root + "/etc/inet/secret/ike.privatekeys/0"))
    }

    @Test("certspecs combine specifiers, subject alternative names included, and ! requires absence")
    func certspecs() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (name, address) in [("gw1", "192.0.2.1"), ("gw2", "192.0.2.2")] {
            let made = try Self.run(root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=\(name)", "-A", "IP=\(address)",
                                           "-A", "DNS=\(name).example.com", "-A", "EMAIL=admin@\(name).example.com"])
            #expect(made.status == 0, "\(made.standardError)")
        }
        let first = try Certificate(encoded: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/etc/inet/ike/publickeys/0"))))
        #expect(first.alternativeNames == ["IP=192.0.2.1", "DNS=gw1.example.com", "EMAIL=admin@gw1.example.com"])
        func slot(_ spec: [String]) throws -> String? {
            let exported = try Self.run(root, ["certdb", "-e"] + spec)
            guard exported.status == 0 else { return nil }
            let subject = try Certificate(encoded: Array(exported.standardOutput.utf8)).subject
            return subject.hasSuffix("gw1") ? "0" : "1"
        }
        #expect(try slot(["IP=192.0.2.2"]) == "1")
        #expect(try slot(["DNS=GW1.example.com"]) == "0")
        #expect(try slot(["ISSUER=C=US, O=Example, CN=gw2", "EMAIL=admin@gw2.example.com"]) == "1")
        #expect(try slot(["C=US, O=Example, CN=gw1", "!IP=192.0.2.1"]) == nil)
        #expect(try slot(["!DNS=gw1.example.com"]) == "1")
        #expect(try slot(["SLOT=1", "IP=192.0.2.1"]) == nil)
    }

    @Test("the daemon's certificate cache reads what ikecert made: the key paired by slot, trusted by a subject-alternative-name cert_trust")
    func daemonReadsStore() throws {
        let daemon = try LoopbackDaemonTests.Daemon(address: "127.0.0.81", peer: "127.0.0.82", port: LoopbackDaemonTests.freePort())
        #expect(try Self.run(daemon.root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=gw9", "-A", "IP=192.0.2.9"]).status == 0)
        #expect(try Self.run(daemon.root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=gw10"]).status == 0)
        let config = daemon.root + "/etc/inet/ike/config"
        try LoopbackDaemonTests.Daemon.write(config, "cert_trust \"IP=192.0.2.9\"\n" + (try String(contentsOfFile: config, encoding: .utf8)))
        #expect(try daemon.adm(["read", "rule"]).status == 0)
        _ = try daemon.adm(["flush", "certcache"])
        let blocks = try daemon.adm(["dump", "certcache"]).standardOutput.components(separatedBy: "\n\n")
        try #require(blocks.count == 3, "\(blocks)")
        #expect(blocks[0].contains("<C=US, O=Example, CN=gw9>") && blocks[0].contains("[trusted certificate]") && blocks[0].contains("[Private key available]"))
        #expect(blocks[1].contains("<C=US, O=Example, CN=gw10>") && !blocks[1].contains("[trusted certificate]"))
    }

    /// Runs a shell command line (the openssl CLI makes the CA and its CRL).
    static func shell(_ command: String, in directory: String) -> Bool {
        Spawn.run(["/bin/sh", "-c", "cd '\(directory)' && \(command) >/dev/null 2>&1"]).status == 0
    }

    @Test("certrldb -a/-l/-e/-r: a CA's revocation list into crls/, listed with its issuer and count, exported, removed")
    func revocationLists() throws {
        let root = Self.root(), ca = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: ca) }
        try FileManager.default.createDirectory(atPath: ca, withIntermediateDirectories: true)
        try "[ ca ]\ndefault_ca = local\n[ local ]\ndatabase = index.txt\ncrlnumber = crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n"
            .write(toFile: ca + "/ca.cnf", atomically: false, encoding: .utf8)
        #expect(Self.shell("touch index.txt && echo 01 > crlnumber && openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj '/C=US/O=Example/CN=Root CA' -days 30 && openssl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.pem -out crl.pem", in: ca))
        let crl = try String(contentsOfFile: ca + "/crl.pem", encoding: .utf8)
        let added = try Self.run(root, ["certrldb", "-a"], input: crl)
        #expect(added.status == 0 && added.standardOutput.contains("issued by <C=US, O=Example, CN=Root CA>, 0 revoked"), "\(added.standardOutput)\(added.standardError)")
        #expect(try Self.run(root, ["certrldb", "-l"]).standardOutput.contains("Certificate Revocation List Slot 0: issued by <C=US, O=Example, CN=Root CA>"))
        #expect(try Self.run(root, ["certrldb", "-l", "-v"]).standardOutput.contains("Certificate Revocation List Slot 0"))
        let exported = try Self.run(root, ["certrldb", "-e", "ISSUER=C=US, O=Example, CN=Root CA"])
        #expect(exported.standardOutput.hasPrefix("-----BEGIN X509 CRL-----"))
        #expect(try RevocationList(encoded: Array(exported.standardOutput.utf8)) == RevocationList(encoded: Array(crl.utf8)))
        #expect(try Self.run(root, ["certrldb", "-r", "C=US, O=Example, CN=Root CA"]).status == 0)
        #expect(try Self.run(root, ["certrldb", "-e", "C=US, O=Example, CN=Root CA"]).status == 1)
        #expect(try Self.run(root, ["certrldb", "-a"], input: "not a CRL").status == 1)
    }

    @Test("certlocal -a imports a key (PEM or DER) into a new slot as PKCS#8; -e exports it as PKCS#8 DER")
    func keyImportExport() throws {
        let root = Self.root(), scratch = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        #expect(Self.shell("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem", in: scratch))
        let pem = try String(contentsOfFile: scratch + "/key.pem", encoding: .utf8)
        let added = try Self.run(root, ["certlocal", "-a"], input: pem)
        #expect(added.status == 0 && added.standardOutput.contains("slot 0"), "\(added.standardError)")
        #expect(Self.mode(root + "/etc/inet/secret/ike.privatekeys/0") == 0o600)
        let exported = try ProductRunner.run("ikecert", ["--root", root, "certlocal", "-e", "-f", "pkcs8", "0"])
        #expect(exported.status == 0)
        let original = try PrivateKey(encoded: Array(pem.utf8)), stored = try PrivateKey(encoded: Array(try Data(contentsOf: URL(fileURLWithPath: root + "/etc/inet/secret/ike.privatekeys/0"))))
        #expect(original.publicKey.derEncoded() == stored.publicKey.derEncoded())
        #expect(try stored.pkcs8DER().count > 1000)
    }

    @Test("refused: broken key sizes, unknown types, bad names and times, tokens", arguments: [
        (["certlocal", "-ks", "-m", "512", "-t", "rsa-sha1", "-D", "CN=x"], "512-bit keys are broken"),
        (["certlocal", "-ks", "-m", "2048", "-t", "ecdsa", "-D", "CN=x"], "-t takes rsa-sha1, rsa-md5 or dsa-sha1"),
        (["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "nonsense"], "is not TYPE=value"),
        (["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "CN=x", "-A", "FAX=1"], "unknown alternative name tag FAX"),
        (["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "CN=x", "-S", "+1d", "-F", "+1h"], "must be after its start"),
        (["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "CN=x", "-F", "tomorrow"], "neither a relative time"),
        (["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1"], "-m SIZE, -t TYPE and -D DNAME are required"),
        (["tokens"], "PKCS#11 tokens are not supported yet"),
        (["certdb", "-a", "-T", "token"], "PKCS#11 tokens are not supported yet"),
    ])
    func refused(_ arguments: [String], _ message: String) throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let result = try Self.run(root, arguments)
        #expect(result.status == 1 && result.standardError.contains(message), "\(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: root + "/etc/inet/secret/ike.privatekeys/0"), "nothing stored")
    }
}

extension IKECertTests {
    @Test("certlocal -S/-F take absolute dates and calendar months and years; certdb -l -v shows validity, serial and alternative names (RID= too), filtered by certspec")
    func datesAndVerboseListing() throws {
        let root = Self.root()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let made = try Self.run(root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=dated", "-A", "RID=1.2.3.4",
                                       "-S", "2030-01-31 12:00", "-F", "Jan 31 2031"])
        #expect(made.status == 0, "\(made.standardError)")
        let listed = try Self.run(root, ["certdb", "-l", "-v", "RID=1.2.3.4"]).standardOutput
        #expect(listed.contains("<C=US, O=Example, CN=dated>") && listed.contains("Subject Alternative Name: RID=1.2.3.4"), "\(listed)")
        // Local time: the hour in GMT depends on the zone, the dates do not (for zones within a day).
        #expect(listed.contains("not before Jan 31") && listed.contains("2030 GMT") && listed.contains("not after Jan 3") && listed.contains("2031 GMT"), "\(listed)")
        #expect(listed.contains("Serial Number:") && listed.contains("Certificate authority"), "\(listed)")
        let year = try Self.run(root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=yearly", "-F", "+1y"])
        #expect(year.status == 0)
        var now = time(nil), parts = tm()
        gmtime_r(&now, &parts)
        let yearly = try Self.run(root, ["certdb", "-l", "-v", "C=US, O=Example, CN=yearly"]).standardOutput
        #expect(yearly.contains("\(Int(parts.tm_year) + 1901) GMT") && !yearly.contains("CN=dated"), "\(yearly)")
        for bad in ["2030-13-01", "yesterday", "+5", "+3q", "01/32/2030"] {
            let refused = try Self.run(root, ["certlocal", "-kc", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, CN=x", "-S", bad])
            #expect(refused.status != 0 && refused.standardError.contains(bad), "\(bad): \(refused.standardError)")
        }
        let keys = try Self.run(root, ["certlocal", "-l", "-v", "0"]).standardOutput
        #expect(keys.contains("Local ID Slot 0: RSA private key, 2048 bits for <C=US, O=Example, CN=dated>") && keys.contains("BEGIN PRIVATE KEY") && !keys.contains("Slot 1"), "\(keys)")
    }
}

/// The Solaris guide's self-signed workflow between two in.iked: each administrator makes a key and
/// certificate with `ikecert certlocal -ks`, hands the certificate to the other (`certdb -e` there,
/// `certdb -a` here), trusts it with `cert_trust`, and writes an rsa_sig rule.
@Suite("Certificates between two in.iked", .serialized)
struct CertificateDaemonTests {
    static func rule(_ me: String, _ peer: String, local: String, remote: String, globals: String) -> String {
        """
        retry_timer_init 0.2
        retry_limit 3
        \(globals)
        p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha256 encr_alg aes(128) }
        p2_pfs 14
        { label "to \(peer)" local_addr \(me) remote_addr \(peer) local_id_type dn local_id "\(local)" remote_id "\(remote)" }
        """
    }

    @Test("certlocal -ks on both, certificates exchanged with certdb -e/-a, cert_trust: Main Mode with RSA signatures; dump p1 shows both DNs")
    func selfSignedExchange() throws {
        let port = LoopbackDaemonTests.freePort()
        let a = try LoopbackDaemonTests.Daemon(address: "127.0.0.91", peer: "127.0.0.92", port: port)
        let b = try LoopbackDaemonTests.Daemon(address: "127.0.0.92", peer: "127.0.0.91", port: port)
        let names = [("gwA", a), ("gwB", b)]
        for (name, daemon) in names {
            let made = try IKECertTests.run(daemon.root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=\(name)", "-A", "IP=\(daemon.address)"])
            #expect(made.status == 0, "\(made.standardError)")
        }
        for ((_, from), (_, to)) in [(names[0], names[1]), (names[1], names[0])] {
            let exported = try IKECertTests.run(from.root, ["certdb", "-e", "0"])
            #expect(try IKECertTests.run(to.root, ["certdb", "-a"], input: exported.standardOutput).status == 0)
        }
        for (index, (name, daemon)) in names.enumerated() {
            let other = names[1 - index]
            try LoopbackDaemonTests.Daemon.write(daemon.root + "/etc/inet/ike/config", Self.rule(daemon.address, other.1.address, local: "C=US, O=Example, CN=\(name)",
                                                                                                  remote: "C=US, O=Example, CN=\(other.0)", globals: "cert_trust \"C=US, O=Example, CN=\(other.0)\""))
            #expect(try daemon.adm(["read", "rule"]).status == 0)
        }
        let cache = try a.adm(["dump", "certcache"]).standardOutput
        #expect(cache.contains("<C=US, O=Example, CN=gwB>") && cache.contains("[trusted certificate]") && cache.contains("[Private key available]"), "\(cache)")
        _ = try a.adm(["initiate", a.address, b.address])
        let dump = try b.wait(for: ["dump", "p1"]) { $0.contains("ACTIVE") }
        let log = (try? String(contentsOfFile: b.root + "/in.iked.log", encoding: .utf8)) ?? ""
        #expect(dump.contains("ACTIVE"), "\(dump)\n\(log.suffix(3000))")
        #expect(dump.contains("Authentication method: RSA signatures"), "\(dump)")
        #expect(dump.contains("ASN.1 DER Distinguished Name") && dump.contains("C=US, O=Example, CN=gwA") && dump.contains("C=US, O=Example, CN=gwB"), "\(dump)")
        #expect(dump.contains("CERT:  peer authenticated with <C=US, O=Example, CN=gwA>"), "\(dump)")
        #expect(try a.wait(for: ["dump", "sa"]) { $0.contains("IPsec SAs (1)") }.contains("IPsec SAs (1)"))
    }

    @Test("a private key others can read is refused with the chmod that fixes it, and the certificate is then public only")
    func readableKeyRefused() throws {
        let daemon = try LoopbackDaemonTests.Daemon(address: "127.0.0.93", peer: "127.0.0.94", port: LoopbackDaemonTests.freePort())
        #expect(try IKECertTests.run(daemon.root, ["certlocal", "-ks", "-m", "2048", "-t", "rsa-sha1", "-D", "C=US, O=Example, CN=loose"]).status == 0)
        let key = daemon.root + "/etc/inet/secret/ike.privatekeys/0"
        _ = try daemon.adm(["flush", "certcache"])
        #expect(try daemon.adm(["dump", "certcache"]).standardOutput.contains("[Private key available]"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key)
        _ = try daemon.adm(["flush", "certcache"])
        #expect(try daemon.adm(["dump", "certcache"]).standardOutput.contains("[Public certificate only]"))
        let log = (try? String(contentsOfFile: daemon.root + "/in.iked.log", encoding: .utf8)) ?? ""
        #expect(log.contains("\(key): refused: mode 0644 lets other users see the private key; it must be 0600 or 0400 (chmod 600 \(key))"), "\(log.suffix(2000))")
        let check = try ProductRunner.run("in.iked", ["-c", "--root", daemon.root])
        #expect(check.standardOutput.contains("refused: mode 0644"), "\(check.standardOutput)")
    }
}
