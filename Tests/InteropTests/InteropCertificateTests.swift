import Foundation
import IKETestSupport
import Testing

/// The certificates of one interop run, made the way administrators make them: a CA with
/// strongSwan's `pki` (or with our `ikecert`), our key pair and request with `ikecert certlocal
/// -kc` signed by that CA and added with `certdb -a`, the peer's key and certificate with `pki`
/// (strongSwan loads them from files, Libreswan from NSS, which peers.sh fills).
struct CertificateLab {
    let harness: InteropHarness
    var work: String { harness.state + "/pki" }
    /// What peers.sh reads as PEER_CERTS.
    var peerFiles: String { harness.state + "/peer-certs" }

    init(_ harness: InteropHarness) throws {
        self.harness = harness
        for directory in [work, peerFiles + "/cacerts", peerFiles + "/peercerts"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Runs a shell command in the work directory; fails the test with its errors otherwise.
    @discardableResult
    func shell(_ command: String) throws -> String {
        let outcome = Spawn.run(["/bin/sh", "-c", "cd '\(work)' && \(command)"])
        guard outcome.status == 0 else { throw ProductRunner.NotBuilt(product: "`\(command)`: \(outcome.errors.suffix(800))") }
        return outcome.output
    }

    func ikecert(_ arguments: String) throws -> String {
        guard let binary = ProductRunner.path(of: "ikecert") else { throw ProductRunner.NotBuilt(product: "ikecert") }
        return try shell("'\(binary)' --root '\(harness.root)' \(arguments) 2>/dev/null")
    }

    /// A CA key and self-signed CA certificate (ca-NAME.key, ca-NAME.pem) made by pki.
    func authority(_ name: String, dn: String, bits: Int = 2048) throws {
        try shell("pki --gen --type rsa --size \(bits) > ca-\(name).key 2>/dev/null && pki --self --ca --lifetime 30 --in ca-\(name).key --dn '\(dn)' --outform pem > ca-\(name).pem 2>/dev/null")
    }

    /// An intermediate CA (ca-NAME.key, ca-NAME.pem) under CA `issuer`.
    func intermediate(_ name: String, dn: String, by issuer: String, bits: Int = 2048) throws {
        try shell("pki --gen --type rsa --size \(bits) > ca-\(name).key 2>/dev/null && pki --pub --in ca-\(name).key | pki --issue --ca --cacert ca-\(issuer).pem --cakey ca-\(issuer).key --dn '\(dn)' --lifetime 30 --outform pem > ca-\(name).pem 2>/dev/null")
    }

    /// The peer's key and a certificate issued by CA `ca` (or self-signed when nil), as peers.sh wants them.
    func peerCertificate(dn: String, sans: [String], ca: String?, validity: String = "--lifetime 30", bits: Int = 2048) throws {
        let san = sans.map { "--san \($0)" }.joined(separator: " ")
        try shell("pki --gen --type rsa --size \(bits) --outform pem > peer.key 2>/dev/null")
        if let ca {
            try shell("pki --pub --in peer.key | pki --issue --cacert ca-\(ca).pem --cakey ca-\(ca).key --dn '\(dn)' \(san) \(validity) --outform pem > peer.pem 2>/dev/null")
        } else {
            try shell("pki --self --in peer.key --dn '\(dn)' \(san) --lifetime 30 --outform pem > peer.pem 2>/dev/null")
        }
        try shell("cp peer.pem peer.key '\(peerFiles)/'")
    }

    /// The peer trusts CA `name`.
    func peerTrusts(ca name: String) throws { try shell("cp ca-\(name).pem '\(peerFiles)/cacerts/\(name).pem'") }

    /// Our key pair from `ikecert certlocal -kc`, its request signed by CA `ca`, both certificates
    /// added with `ikecert certdb -a`.
    func ourCertificate(dn: String, sans: [String], ca: String, bits: Int = 2048) throws {
        let alternatives = sans.map { "-A '\($0)'" }.joined(separator: " ")
        _ = try ikecert("certlocal -kc -m \(bits) -t rsa-sha1 -D '\(dn)' \(alternatives) > us.req")
        let san = sans.map { "--san '\($0.split(separator: "=", maxSplits: 1).last!)'" }.joined(separator: " ")
        try shell("pki --issue --cacert ca-\(ca).pem --cakey ca-\(ca).key --type pkcs10 --in us.req --dn '\(dn)' \(san) --lifetime 30 > us.der 2>/dev/null")
        _ = try ikecert("certdb -a < us.der")
        _ = try ikecert("certdb -a < ca-\(ca).pem")
    }

    /// peers.sh's environment for the peer.
    func environment(peerID: String, usID: String) -> [String] {
        ["PEER_CERTS=\(peerFiles)", "PEER_ID=\(peerID)", "US_ID=\(usID)"]
    }
}

/// RSA-signature Main Mode with strongSwan 5.9.8 and Libreswan 4.10, both directions: CA-issued
/// certificates (CA made with strongSwan's pki, and with ikecert) with DN and subject-alternative-name
/// identities, self-signed certificates exchanged as the Solaris guide describes, and revoked,
/// expired and untrusted peer certificates refused while the daemon goes on serving.
@Suite("Interop: certificates", .serialized, .enabled(if: InteropHarness.prerequisite.runs, "needs root, strongSwan, Libreswan and their certificate tools (scripts/interop/peers.sh install)"))
struct InteropCertificateTests {
    static let policy = "{laddr 192.0.2.1 raddr 192.0.2.2} ipsec {encr_algs aes(128) encr_auth_algs sha256}"
    static let ike = "aes128-sha256-modp2048"

    static func config(globals: String, localIDType: String, localID: String, remoteID: String) -> String {
        """
        retry_timer_init 0.5
        retry_timer_max 2
        \(globals)
        p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha256 encr_alg aes(128) }
        { label "peer" local_addr 192.0.2.1 remote_addr 192.0.2.2 local_id_type \(localIDType) local_id "\(localID)" remote_id "\(remoteID)" }
        """
    }

    static func esp(_ peer: String) -> String { peer == "strongswan" ? "aes128-sha256" : "aes128-sha2_256" }
    static func peerLog(_ harness: InteropHarness, _ peer: String) -> String { harness.log(peer == "strongswan" ? "charon.log" : "pluto.log") }

    static func startPeer(_ harness: InteropHarness, _ peer: String, _ lab: CertificateLab, peerID: String, usID: String, extra: [String] = []) throws {
        let started = try harness.run([peer, harness.id, ike, esp(peer), "transport", "none", "unused"], environment: lab.environment(peerID: peerID, usID: usID) + extra)
        #expect(started.status == 0, "\(started.standardError)")
    }

    /// Starts the exchange from `weInitiate`'s side and waits for the IPsec SA pair; true when it came.
    static func negotiate(_ harness: InteropHarness, _ peer: String, weInitiate: Bool) throws -> Bool {
        if weInitiate {
            #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        } else {
            _ = try harness.run(["initiate", harness.id])
        }
        let dump = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        let established = dump.contains("IPsec SAs (1)")
        #expect(established, "\(harness.log("in.iked.log").suffix(3000))\n\(peerLog(harness, peer).suffix(3000))")
        return established
    }

    struct Direction: CustomTestStringConvertible, Sendable {
        var peer: String
        var weInitiate: Bool
        var testDescription: String { "\(peer), \(weInitiate ? "we initiate" : "it initiates")" }
    }

    static let directions = ["strongswan", "libreswan"].flatMap { peer in [true, false].map { Direction(peer: peer, weInitiate: $0) } }

    @Test("a CA made with strongSwan's pki issues both certificates (ours from an ikecert request); DN identities", arguments: directions)
    func caIssued(_ direction: Direction) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        let lab = try CertificateLab(harness)
        try lab.authority("interop", dn: "C=US, O=Interop, CN=Interop CA")
        try lab.peerCertificate(dn: "C=US, O=Interop, CN=peer", sans: ["192.0.2.2"], ca: "interop")
        try lab.peerTrusts(ca: "interop")
        try lab.ourCertificate(dn: "C=US, O=Interop, CN=us", sans: ["IP=192.0.2.1"], ca: "interop")
        try Self.startPeer(harness, direction.peer, lab, peerID: "C=US, O=Interop, CN=peer", usID: "C=US, O=Interop, CN=us")
        try harness.startDaemon(config: Self.config(globals: "cert_root \"C=US, O=Interop, CN=Interop CA\"", localIDType: "dn",
                                                     localID: "C=US, O=Interop, CN=us", remoteID: "C=US, O=Interop, CN=peer"), policy: Self.policy)
        guard try Self.negotiate(harness, direction.peer, weInitiate: direction.weInitiate) else { return }
        let phase1 = try harness.adm(["dump", "p1"]).standardOutput
        #expect(phase1.contains("Authentication method: RSA signatures"), "\(phase1)")
        #expect(phase1.contains("CERT:  peer authenticated with <C=US, O=Interop, CN=peer>, issuer <C=US, O=Interop, CN=Interop CA>"), "\(phase1)")
        #expect(phase1.contains("ASN.1 DER Distinguished Name"))
        let theirs = Self.peerLog(harness, direction.peer)
        let authenticated = direction.peer == "strongswan" ? "authentication of 'C=US, O=Interop, CN=us' with RSA" : "using peer certificate 'C=US, O=Interop, CN=us' issued by CA 'C=US, O=Interop, CN=Interop CA'"
        #expect(theirs.contains(authenticated), "\(theirs.suffix(3000))")
    }

    struct AlternativeName: CustomTestStringConvertible, Sendable {
        var peer: String
        var type: String
        var weInitiate: Bool
        var testDescription: String { "\(peer), \(type), \(weInitiate ? "we initiate" : "it initiates")" }
    }

    @Test("subject-alternative-name identities: IP addresses and FQDNs", arguments: ["strongswan", "libreswan"].flatMap { peer in
        [AlternativeName(peer: peer, type: "ip", weInitiate: true), AlternativeName(peer: peer, type: "fqdn", weInitiate: false)]
    })
    func alternativeNames(_ test: AlternativeName) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        let lab = try CertificateLab(harness)
        try lab.authority("interop", dn: "C=US, O=Interop, CN=Interop CA")
        try lab.peerCertificate(dn: "C=US, O=Interop, CN=peer", sans: ["192.0.2.2", "peer.example"], ca: "interop")
        try lab.peerTrusts(ca: "interop")
        try lab.ourCertificate(dn: "C=US, O=Interop, CN=us", sans: ["IP=192.0.2.1", "DNS=us.example"], ca: "interop")
        let ip = test.type == "ip"
        try Self.startPeer(harness, test.peer, lab, peerID: ip ? "192.0.2.2" : "@peer.example", usID: ip ? "192.0.2.1" : "@us.example")
        try harness.startDaemon(config: Self.config(globals: "cert_root \"C=US, O=Interop, CN=Interop CA\"", localIDType: test.type,
                                                     localID: ip ? "IP=192.0.2.1" : "DNS=us.example", remoteID: ip ? "IP=192.0.2.2" : "DNS=peer.example"), policy: Self.policy)
        guard try Self.negotiate(harness, test.peer, weInitiate: test.weInitiate) else { return }
        let phase1 = try harness.adm(["dump", "p1"]).standardOutput
        #expect(phase1.contains(ip ? "REMID: 192.0.2.2" : "REMID: peer.example"), "\(phase1)")
        #expect(phase1.contains(ip ? "LOCID: 192.0.2.1" : "LOCID: us.example"), "\(phase1)")
    }

    @Test("self-signed certificates exchanged as the Solaris guide describes: certlocal -ks, the peer's added with certdb -a and trusted with cert_trust",
          arguments: [Direction(peer: "strongswan", weInitiate: true), Direction(peer: "libreswan", weInitiate: false)])
    func selfSigned(_ direction: Direction) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        let lab = try CertificateLab(harness)
        _ = try lab.ikecert("certlocal -ks -m 2048 -t rsa-sha1 -D 'C=US, O=Interop, CN=us' -A IP=192.0.2.1")
        // Our certificate goes to the peer's administrator; theirs comes back.
        _ = try lab.ikecert("certdb -e -f ber 0 > us.der")
        try lab.shell("openssl x509 -inform der -in us.der -out '\(lab.peerFiles)/peercerts/us.pem'")
        try lab.peerCertificate(dn: "C=US, O=Interop, CN=peer", sans: ["192.0.2.2"], ca: nil)
        _ = try lab.ikecert("certdb -a < peer.pem")
        try Self.startPeer(harness, direction.peer, lab, peerID: "C=US, O=Interop, CN=peer", usID: "C=US, O=Interop, CN=us")
        try harness.startDaemon(config: Self.config(globals: "cert_trust \"C=US, O=Interop, CN=peer\"", localIDType: "dn",
                                                     localID: "C=US, O=Interop, CN=us", remoteID: ""), policy: Self.policy)
        guard try Self.negotiate(harness, direction.peer, weInitiate: direction.weInitiate) else { return }
        #expect(try harness.adm(["dump", "p1"]).standardOutput.contains("CERT:  peer authenticated with <C=US, O=Interop, CN=peer>, issuer <C=US, O=Interop, CN=peer>"))
    }

    @Test("a CA made with ikecert (certlocal -ks, its key exported with certlocal -e) issues the peer's certificate", arguments: ["strongswan", "libreswan"])
    func ikecertAuthority(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        let lab = try CertificateLab(harness)
        _ = try lab.ikecert("certlocal -ks -m 2048 -t rsa-sha1 -D 'C=US, O=Solaris, CN=Solaris CA'")
        _ = try lab.ikecert("certlocal -e 0 > ca-solaris.der")
        try lab.shell("openssl pkey -inform der -in ca-solaris.der -out ca-solaris.key")
        _ = try lab.ikecert("certdb -e -f ber 0 > ca-solaris.crt")
        try lab.shell("openssl x509 -inform der -in ca-solaris.crt -out ca-solaris.pem")
        try lab.peerCertificate(dn: "C=US, O=Solaris, CN=peer", sans: ["192.0.2.2"], ca: "solaris")
        try lab.peerTrusts(ca: "solaris")
        try lab.ourCertificate(dn: "C=US, O=Solaris, CN=us", sans: ["IP=192.0.2.1"], ca: "solaris")
        try Self.startPeer(harness, peer, lab, peerID: "C=US, O=Solaris, CN=peer", usID: "C=US, O=Solaris, CN=us")
        try harness.startDaemon(config: Self.config(globals: "cert_root \"C=US, O=Solaris, CN=Solaris CA\"", localIDType: "dn",
                                                     localID: "C=US, O=Solaris, CN=us", remoteID: "ISSUER=C=US, O=Solaris, CN=Solaris CA"), policy: Self.policy)
        _ = try Self.negotiate(harness, peer, weInitiate: peer == "strongswan")
    }

    @Test("revoked (CRL in crls/), expired (strongSwan) and untrusted peer certificates are refused, each with its reason; then a good one is served", arguments: ["strongswan", "libreswan"])
    func refusals(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        let lab = try CertificateLab(harness)
        try lab.authority("interop", dn: "C=US, O=Interop, CN=Interop CA")
        try lab.authority("rogue", dn: "C=US, O=Rogue, CN=Rogue CA")
        try lab.ourCertificate(dn: "C=US, O=Interop, CN=us", sans: ["IP=192.0.2.1"], ca: "interop")
        try lab.peerTrusts(ca: "interop")
        try harness.startDaemon(config: Self.config(globals: "cert_root \"C=US, O=Interop, CN=Interop CA\"", localIDType: "dn",
                                                     localID: "C=US, O=Interop, CN=us", remoteID: ""), policy: Self.policy)
        var cases: [(String, String?, String, String)] = [
            ("revoked", "interop", "--lifetime 30", "certificate revoked"),
            ("expired", "interop", "--dateform '%Y-%m-%d' --not-before 2020-01-01 --not-after 2021-01-01", "certificate has expired"),
            ("untrusted", "rogue", "--lifetime 30", "no cert_root or cert_trust certificate vouches for it"),
        ]
        // pluto will not load a connection whose own certificate has expired: only strongSwan can present one.
        if peer == "libreswan" { cases.remove(at: 1) }
        for (index, (name, ca, validity, reason)) in cases.enumerated() {
            try lab.peerCertificate(dn: "C=US, O=Interop, CN=peer", sans: ["192.0.2.2"], ca: ca, validity: validity)
            if name == "revoked" {
                try lab.shell("pki --signcrl --cacert ca-interop.pem --cakey ca-interop.key --reason key-compromise --cert peer.pem > crl.der 2>/dev/null")
                _ = try lab.ikecert("certrldb -a < crl.der")
                #expect(try harness.adm(["flush", "certcache"]).status == 0)
            }
            try Self.startPeer(harness, peer, lab, peerID: "C=US, O=Interop, CN=peer", usID: "C=US, O=Interop, CN=us")
            // The peer retries a refused Main Mode; it need not wait for its own time-out.
            _ = try harness.run(["initiate", harness.id], environment: ["PEER_INITIATE_TIMEOUT=4"])
            let stats = try harness.wait(timeout: 15, { try harness.adm(["get", "stats"]).standardOutput }, until: { $0.contains("certificate refused \(index + 1)") })
            #expect(stats.contains("certificate refused \(index + 1)"), "\(name): \(stats)\n\(harness.log("in.iked.log").suffix(2000))")
            #expect(harness.log("in.iked.log").contains(reason), "\(name): \(harness.log("in.iked.log").suffix(2000))")
            #expect(!(try harness.adm(["dump", "sa"]).standardOutput.contains("IPsec SAs (1)")))
            _ = try harness.run(["stop", harness.id])
        }
        // The daemon went on serving: a good certificate from the same CA negotiates.
        try lab.peerCertificate(dn: "C=US, O=Interop, CN=peer", sans: ["192.0.2.2"], ca: "interop")
        try Self.startPeer(harness, peer, lab, peerID: "C=US, O=Interop, CN=peer", usID: "C=US, O=Interop, CN=us")
        _ = try Self.negotiate(harness, peer, weInitiate: false)
    }

    @Test("IKEv1 fragmentation: a chain of three 4096-bit certificates negotiates across a 1280-byte MTU whose IP fragments are dropped, both directions",
          arguments: directions)
    func fragmentation(_ direction: Direction) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        let lab = try CertificateLab(harness)
        try lab.authority("root", dn: "C=US, O=Interop, CN=Big Root", bits: 4096)
        try lab.intermediate("sub", dn: "C=US, O=Interop, CN=Big Intermediate", by: "root", bits: 4096)
        try lab.peerCertificate(dn: "C=US, O=Interop, CN=peer", sans: ["192.0.2.2"], ca: "sub", bits: 4096)
        try lab.peerTrusts(ca: "root")
        // The peer's intermediate as administrators give it to us: in publickeys/.
        _ = try lab.ikecert("certdb -a < ca-sub.pem")
        try lab.ourCertificate(dn: "C=US, O=Interop, CN=us", sans: ["IP=192.0.2.1"], ca: "sub", bits: 4096)
        _ = try lab.ikecert("certdb -a < ca-root.pem")
        #expect(try harness.run(["small-path", harness.id]).status == 0)
        try Self.startPeer(harness, direction.peer, lab, peerID: "C=US, O=Interop, CN=peer", usID: "C=US, O=Interop, CN=us")
        try harness.startDaemon(config: Self.config(globals: "cert_root \"C=US, O=Interop, CN=Big Root\"", localIDType: "dn",
                                                     localID: "C=US, O=Interop, CN=us", remoteID: "ISSUER=C=US, O=Interop, CN=Big Intermediate"), policy: Self.policy)
        guard try Self.negotiate(harness, direction.peer, weInitiate: direction.weInitiate) else { return }
        let stats = try harness.adm(["get", "stats"]).standardOutput
        let line = stats.split(separator: "\n").first { $0.contains("IKE fragments:") }.map(String.init) ?? ""
        let counts = line.split(separator: " ").compactMap { Int($0) }
        #expect(counts.count == 2 && counts[0] >= 3 && counts[1] >= 2, "we sent (our chain: 3 or more) and received (the peer's end certificate: 2 or more) MM5/MM6 in fragments: \(line)")
    }
}
