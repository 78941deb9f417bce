import Foundation
import IKETestSupport
import Testing

/// Interop cases an administrator meets beyond the algorithm matrix: a subnet tunnel we start
/// ourselves by naming its traffic, Blowfish, a Quick Mode the peer refuses, and the Phase 1
/// RESPONDER-LIFETIME a multi-threaded peer must be able to decrypt.
@Suite("Interop: tunnels, Blowfish, refusals, RESPONDER-LIFETIME", .serialized, .enabled(if: InteropHarness.prerequisite.runs, "needs root, strongSwan and Libreswan (scripts/interop/peers.sh install)"))
struct InteropCasesTests {
    static let matrix = InteropTests()
    static let tunnelSuite = InteropTests.suites[0]

    @Test("ikeadm initiate with the traffic's addresses starts the subnet tunnel between the tunnel endpoints", arguments: ["strongswan", "libreswan"])
    func subnetTunnel(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        try Self.matrix.startPeer(harness, peer, Self.tunnelSuite, key: "tunnel key", nets: ["203.0.113.0/24", "198.51.100.0/24"])
        let policy = "{tunnel tun0 negotiate tunnel laddr 198.51.100.0/24 raddr 203.0.113.0/24} ipsec {encr_algs aes(128) encr_auth_algs sha1}"
        try harness.startDaemon(phase1: Self.tunnelSuite.phase1, pfs: 0, policy: policy, key: "tunnel key")
        // The IKE endpoints themselves are not the tunnel's traffic.
        let endpoints = try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"])
        #expect(endpoints.status == 1 && endpoints.standardOutput.contains("no IPsec policy protects"))
        let started = try harness.adm(["initiate", "198.51.100.1", "203.0.113.1"])
        #expect(started.status == 0 && started.standardOutput.contains("(IKE 192.0.2.1 -> 192.0.2.2)"), "\(started.standardOutput)")
        let dump = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        #expect(dump.contains("IPsec SAs (1)") && dump.contains("tunnel"), "\(dump)\n\(harness.log("in.iked.log").suffix(2000))")
        #expect(dump.contains("198.51.100.0/24") && dump.contains("203.0.113.0/24"), "\(dump)")
        // strongSwan lists the negotiated traffic selectors; Libreswan, whose connection names the
        // subnets, refuses any other identities, so an established tunnel-mode SA shows they matched.
        let expected = peer == "strongswan" ? ["203.0.113.0/24", "198.51.100.0/24"] : ["IPsec SA established", "tun.0@192.0.2.2"]
        let status = try harness.wait(timeout: 10, { try harness.run(["status", harness.id]).standardOutput }, until: { text in expected.allSatisfy(text.contains) })
        #expect(expected.allSatisfy(status.contains), "\(status)")
    }

    @Test("Blowfish in both phases with strongSwan, both directions (the key length is sent explicitly)", arguments: [true, false])
    func blowfish(_ weInitiate: Bool) throws {
        try InteropHarness.prerequisite.require()
        let suite = InteropSuite(name: "Blowfish", phase1: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg blowfish }",
                                 pfs: 0, encryption: "blowfish", integrity: "sha1", mode: "transport", ike: "blowfish128-sha1-modp2048",
                                 strongSwanESP: "blowfish128-sha1", libreswanESP: "", peerPFS: "none",
                                 strongSwanAlgorithms: "ESP:BLOWFISH_CBC-128/HMAC_SHA1_96", libreswanAlgorithms: "")
        let harness = try InteropHarness()
        try Self.matrix.startPeer(harness, "strongswan", suite, key: "fish key")
        try harness.startDaemon(phase1: suite.phase1, pfs: 0, policy: suite.policy, key: "fish key")
        if weInitiate {
            #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        } else {
            _ = try harness.run(["initiate", harness.id])
        }
        let dump = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        #expect(dump.contains("IPsec SAs (1)"), "\(harness.log("in.iked.log").suffix(2000))\n\(harness.log("charon.log").suffix(2000))")
        let status = try harness.wait(timeout: 10, { try harness.run(["status", harness.id]).standardOutput }, until: { $0.contains("BLOWFISH") })
        #expect(status.contains("IKE") && status.contains(suite.strongSwanAlgorithms), "\(status)")
    }

    @Test("a Quick Mode the peer refuses ends at once and is counted; no retransmissions to the retry limit", arguments: ["strongswan", "libreswan"])
    func refusedQuickMode(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        // The peer protects only its own host; we ask for a subnet it has no policy for.
        try Self.matrix.startPeer(harness, peer, Self.tunnelSuite, key: "refusal key")
        let policy = "{tunnel tun0 negotiate tunnel laddr 198.51.100.0/24 raddr 203.0.113.0/24} ipsec {encr_algs aes(128) encr_auth_algs sha1}"
        try harness.startDaemon(phase1: Self.tunnelSuite.phase1, pfs: 0, policy: policy, key: "refusal key")
        let started = Date()
        #expect(try harness.adm(["initiate", "198.51.100.1", "203.0.113.1"]).status == 0)
        let stats = try harness.wait(timeout: 15, { try harness.adm(["get", "stats"]).standardOutput }, until: { !$0.contains("refused by the peer:          0") })
        #expect(Date().timeIntervalSince(started) < 8, "the refusal ended the exchange before the retry limit (\(Date().timeIntervalSince(started)) s)\n\(stats)\n\(harness.log("in.iked.log").suffix(2000))")
        #expect(harness.log("in.iked.log").contains("refused by the peer"), "\(harness.log("in.iked.log").suffix(2000))")
    }

    @Test("strongSwan initiating eight times decrypts every Phase 1 RESPONDER-LIFETIME we send")
    func responderLifetimeDecrypts() throws {
        try InteropHarness.prerequisite.require()
        let suite = InteropTests.suites[1]
        let harness = try InteropHarness()
        try Self.matrix.startPeer(harness, "strongswan", suite, key: "lifetime key")
        // Our Phase 1 lifetime is shorter than strongSwan's (4 h): we tell it with RESPONDER-LIFETIME.
        try harness.startDaemon(phase1: "p1_lifetime_secs 3600\n" + suite.phase1, pfs: suite.pfs, policy: suite.policy, key: "lifetime key")
        for round in 1...8 {
            let initiated = try harness.run(["initiate", harness.id])
            #expect(initiated.status == 0, "round \(round): \(initiated.standardOutput)")
            _ = try harness.wait(timeout: 5, { harness.log("in.iked.log") }, until: { $0.components(separatedBy: "lives 3600 s").count > round })
            try harness.run(["terminate", harness.id])
            _ = try harness.wait(timeout: 5, { try harness.adm(["dump", "p1"]).standardOutput }, until: { $0.contains("(0)") })
        }
        let ours = harness.log("in.iked.log")
        #expect(ours.components(separatedBy: "lives 3600 s").count - 1 == 8, "RESPONDER-LIFETIME sent once per Phase 1")
        let charon = harness.log("charon.log")
        for failure in ["could not decrypt", "decryption failed", "invalid HASH", "integrity check failed", "message parsing failed"] {
            #expect(!charon.contains(failure), "charon logged '\(failure)':\n\(charon.suffix(3000))")
        }
    }
}
