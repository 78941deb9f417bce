import Foundation
import IKETestSupport
import Testing

/// One algorithm suite of the interop matrix, in each implementation's spelling.
struct InteropSuite: Sendable, CustomTestStringConvertible {
    let name: String
    /// Ours (ike.config transform, ipsecinit.conf algorithms).
    let phase1: String
    let pfs: Int
    let encryption: String
    let integrity: String
    let mode: String
    /// The peer's (strongSwan syntax; the harness converts the IKE one for Libreswan).
    let ike: String
    let strongSwanESP: String
    let libreswanESP: String
    let peerPFS: String
    /// How strongSwan's `--list-sas` and Libreswan's log name the negotiated ESP algorithms.
    let strongSwanAlgorithms: String
    let libreswanAlgorithms: String
    var testDescription: String { name }

    var policy: String {
        let pattern = mode == "tunnel" ? "tunnel tun0 negotiate tunnel laddr 192.0.2.1 raddr 192.0.2.2" : "laddr 192.0.2.1 raddr 192.0.2.2"
        return "{\(pattern)} ipsec {encr_algs \(encryption) encr_auth_algs \(integrity)}"
    }
}

struct InteropCase: Sendable, CustomTestStringConvertible {
    let peer: String
    let suite: InteropSuite
    let weInitiate: Bool
    var testDescription: String { "\(peer), \(suite.name), \(weInitiate ? "we initiate" : "they initiate")" }
}

@Suite("Interop with strongSwan and Libreswan", .serialized, .enabled(if: InteropHarness.prerequisite.runs, "needs root, strongSwan and Libreswan (scripts/interop/peers.sh install)"))
struct InteropTests {
    static let suites: [InteropSuite] = [
        InteropSuite(name: "AES-128/SHA1/MODP-2048, tunnel", phase1: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }",
                     pfs: 0, encryption: "aes(128)", integrity: "sha1", mode: "tunnel", ike: "aes128-sha1-modp2048",
                     strongSwanESP: "aes128-sha1", libreswanESP: "aes128-sha1", peerPFS: "none",
                     strongSwanAlgorithms: "ESP:AES_CBC-128/HMAC_SHA1_96", libreswanAlgorithms: "xfrm=AES_CBC_128-HMAC_SHA1_96"),
        InteropSuite(name: "AES-256/SHA2-256/MODP-2048 with PFS, transport", phase1: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(256) }",
                     pfs: 14, encryption: "aes(256)", integrity: "hmac-sha256", mode: "transport", ike: "aes256-sha256-modp2048",
                     strongSwanESP: "aes256-sha256", libreswanESP: "aes256-sha2_256", peerPFS: "modp2048",
                     strongSwanAlgorithms: "ESP:AES_CBC-256/HMAC_SHA2_256_128/MODP_2048", libreswanAlgorithms: "xfrm=AES_CBC_256-HMAC_SHA2_256_128"),
        InteropSuite(name: "3DES/SHA1/MODP-1536 with PFS, tunnel", phase1: "p1_xform { auth_method preshared oakley_group 5 auth_alg sha1 encr_alg 3des }",
                     pfs: 5, encryption: "3des", integrity: "sha1", mode: "tunnel", ike: "3des-sha1-modp1536",
                     strongSwanESP: "3des-sha1", libreswanESP: "3des-sha1", peerPFS: "modp1536",
                     strongSwanAlgorithms: "ESP:3DES_CBC/HMAC_SHA1_96/MODP_1536", libreswanAlgorithms: "xfrm=3DES_CBC-HMAC_SHA1_96"),
        InteropSuite(name: "AES-128/SHA2-512/MODP-3072 without PFS, transport", phase1: "p1_xform { auth_method preshared oakley_group 15 auth_alg sha512 encr_alg aes(128) }",
                     pfs: 0, encryption: "aes(128)", integrity: "hmac-sha512", mode: "transport", ike: "aes128-sha512-modp3072",
                     strongSwanESP: "aes128-sha512", libreswanESP: "aes128-sha2_512", peerPFS: "none",
                     strongSwanAlgorithms: "ESP:AES_CBC-128/HMAC_SHA2_512_256", libreswanAlgorithms: "xfrm=AES_CBC_128-HMAC_SHA2_512_256"),
    ]

    static let cases: [InteropCase] = ["strongswan", "libreswan"].flatMap { peer in
        suites.flatMap { suite in [true, false].map { InteropCase(peer: peer, suite: suite, weInitiate: $0) } }
    }

    /// `dpd`: the peer runs Dead Peer Detection with this delay in seconds.
    func startPeer(_ harness: InteropHarness, _ peer: String, _ suite: InteropSuite, key: String, ike: String? = nil, nets: [String] = [], dpd: Int? = nil) throws {
        let esp = peer == "strongswan" ? suite.strongSwanESP : suite.libreswanESP
        let started = try harness.run([peer, harness.id, ike ?? suite.ike, esp, suite.mode, suite.peerPFS, key] + nets, environment: dpd.map { ["PEER_DPD=\($0)"] } ?? [])
        #expect(started.status == 0, "\(started.standardError)")
    }

    @Test("both sides report the same SPIs; a delete from the side that did not initiate removes the other's SAs", arguments: cases)
    func negotiate(_ test: InteropCase) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        try startPeer(harness, test.peer, test.suite, key: "interop key 1")
        try harness.startDaemon(phase1: test.suite.phase1, pfs: test.suite.pfs, policy: test.suite.policy, key: "interop key 1")
        if test.weInitiate {
            #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        } else {
            let initiated = try harness.run(["initiate", harness.id])
            #expect(initiated.status == 0, "\(initiated.standardOutput)\(initiated.standardError)")
        }
        let dump = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        #expect(dump.contains("IPsec SAs (1)"), "\(harness.log("in.iked.log").suffix(3000))\n\(harness.log(test.peer == "strongswan" ? "charon.log" : "pluto.log").suffix(3000))")
        #expect(dump.contains(" \(test.suite.mode)  peer 192.0.2.2"))
        let ours = try harness.ourSPIs()
        let theirs = harness.wait({ harness.peerInstalledSPIs().sorted().joined(separator: " ") }, until: { $0.split(separator: " ").count >= 2 })
        #expect(ours.count == 1)
        if let pair = ours.first {
            // Our inbound SPI is their outbound and the other way round: both were installed on their side.
            #expect(theirs.contains(pair.inbound) && theirs.contains(pair.outbound), "ours \(pair), theirs \(theirs)")
        }
        // The responder finishes when our QM3 arrives, a moment after we installed: poll its view.
        // Libreswan prints SPIs without leading zeros (esp.c396519@…).
        let inbound = String((ours.first?.inbound ?? "-").drop { $0 == "0" })
        let status = try harness.wait(timeout: 10, { try harness.run(["status", harness.id]).standardOutput }, until: { $0.lowercased().contains(inbound) })
        #expect(status.lowercased().contains(inbound), "\(status)")
        // The same algorithms on their side as on ours.
        if test.peer == "strongswan" {
            #expect(status.contains(test.suite.strongSwanAlgorithms), "\(status)")
        } else {
            #expect(harness.log("pluto.log").contains(test.suite.libreswanAlgorithms), "\(harness.log("pluto.log").suffix(1500))")
        }
        // The side that did not initiate deletes.
        if test.weInitiate {
            try harness.run(["terminate", harness.id])
            let after = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (0)") })
            #expect(after.contains("IPsec SAs (0)"))
        } else {
            #expect(try harness.adm(["del", "sa", "192.0.2.2"]).status == 0)
            let old = ours.first
            let remaining = harness.wait({ harness.peerInstalledSPIs().sorted().joined(separator: " ") }, until: { text in
                old.map { !text.contains($0.inbound) && !text.contains($0.outbound) } ?? true
            })
            if let old { #expect(!remaining.contains(old.inbound) && !remaining.contains(old.outbound), "\(remaining)") }
        }
    }

    @Test("a proposal mismatch ends in NO-PROPOSAL-CHOSEN, in both directions", arguments: ["strongswan", "libreswan"])
    func mismatch(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let suite = Self.suites[0]
        let harness = try InteropHarness()
        try startPeer(harness, peer, suite, key: "k", ike: "3des-sha1-modp2048")
        try harness.startDaemon(phase1: suite.phase1, pfs: 0, policy: suite.policy, key: "k")
        _ = try harness.run(["initiate", harness.id])
        let responder = try harness.wait({ try harness.adm(["get", "stats"]).standardOutput }, until: { $0.contains("Failed:    initiator:          0   responder:          1") })
        #expect(responder.contains("responder:          1"))
        #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        let initiator = try harness.wait({ try harness.adm(["get", "stats"]).standardOutput }, until: { $0.contains("Failed:    initiator:          1") })
        #expect(initiator.contains("Failed:    initiator:          1"))
        #expect(harness.log("in.iked.log").contains("NO-PROPOSAL-CHOSEN"))
        #expect(try harness.adm(["dump", "sa"]).standardOutput.contains("IPsec SAs (0)"))
    }

    @Test("a wrong key fails authentication on both sides; the daemon then serves the peer with the right key", arguments: ["strongswan", "libreswan"])
    func wrongKey(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let suite = Self.suites[0]
        let harness = try InteropHarness()
        try startPeer(harness, peer, suite, key: "their key")
        try harness.startDaemon(phase1: suite.phase1, pfs: 0, policy: suite.policy, key: "our key")
        #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        let stats = try harness.wait({ try harness.adm(["get", "stats"]).standardOutput }, until: { $0.contains("Failed:    initiator:          1") })
        #expect(stats.contains("Failed:    initiator:          1"), "\(harness.log("in.iked.log").suffix(2000))")
        #expect(try harness.adm(["dump", "sa"]).standardOutput.contains("IPsec SAs (0)"))
        #expect(harness.peerInstalledSPIs().isEmpty)
        if peer == "libreswan" {
            // Libreswan cannot read MM5 and stays silent: it logs the failure, we time out.
            #expect(harness.log("pluto.log").contains("probable authentication failure"))
        } else {
            // strongSwan answers with a notification under its keys, which we cannot verify.
            #expect(harness.log("in.iked.log").contains("authentication failed"))
        }
        // The same daemon, with the key fixed and reloaded (SIGHUP), negotiates.
        try harness.write("etc/inet/secret/ike.preshared", "{ localid 192.0.2.1 remoteid 192.0.2.2 key \"their key\" }\n", mode: 0o600)
        let pid = try #require(harness.daemon?.processIdentifier)
        kill(pid, SIGHUP)
        _ = try harness.wait(timeout: 5, { harness.log("in.iked.log") }, until: { $0.contains("configuration reloaded") })
        #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        let dump = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        #expect(dump.contains("IPsec SAs (1)"), "\(harness.log("in.iked.log").suffix(2000))")
    }
}
