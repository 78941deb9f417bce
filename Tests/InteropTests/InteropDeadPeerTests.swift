import Foundation
import IKETestSupport
import Testing

/// Dead Peer Detection (RFC 3706) with strongSwan and Libreswan: each side announces it; the peer's
/// R-U-THERE is answered so it keeps the SA; a peer that vanishes (its link down, not a word) is
/// found dead and its SAs are cleaned up within dpd_interval and the retransmissions.
@Suite("Interop: Dead Peer Detection", .serialized, .enabled(if: InteropHarness.prerequisite.runs, "needs root, strongSwan and Libreswan (scripts/interop/peers.sh install)"))
struct InteropDeadPeerTests {
    static let matrix = InteropTests()
    static let suite = InteropTests.suites[0]

    /// Our DPD: R-U-THERE after 3 s of quiet, 2 retransmissions (0.5 s, then 1 s, then 2 s to give up).
    static let ourDPD = "dpd_interval 3\ndpd_retries 2\n"

    @Test("the peer's R-U-THERE is answered: it keeps the SA past several DPD timeouts", arguments: ["strongswan", "libreswan"])
    func peerProbesUs(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        try Self.matrix.startPeer(harness, peer, Self.suite, key: "dpd key", dpd: 2)
        // Ours off, so every R-U-THERE on the wire is the peer's.
        try harness.startDaemon(phase1: "dpd_interval 0\n" + Self.suite.phase1, pfs: Self.suite.pfs, policy: Self.suite.policy, key: "dpd key")
        #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        _ = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        let p1 = try harness.adm(["dump", "p1"]).standardOutput
        #expect(p1.contains("RFC 3706 DPD"), "the peer announced DPD: \(p1)")
        // Its timeout is 6 s: after 14 s it has probed several times and still holds the SA.
        let stats = try harness.wait(timeout: 20, { try harness.adm(["get", "stats"]).standardOutput }, until: { text in
            (Self.answered(text) ?? 0) >= 3
        })
        #expect((Self.answered(stats) ?? 0) >= 3, "\(stats)\n\(harness.log("in.iked.log").suffix(2000))")
        let status = try harness.run(["status", harness.id]).standardOutput
        #expect(peer == "strongswan" ? status.contains("ESTABLISHED") : status.contains("IPsec SA established"), "\(status)")
        #expect(try harness.adm(["dump", "sa"]).standardOutput.contains("IPsec SAs (1)"))
    }

    @Test("a peer that vanishes is found dead by our DPD and its SAs are deleted", arguments: ["strongswan", "libreswan"])
    func peerVanishes(_ peer: String) throws {
        try InteropHarness.prerequisite.require()
        let harness = try InteropHarness()
        try Self.matrix.startPeer(harness, peer, Self.suite, key: "dpd key", dpd: 30)
        try harness.startDaemon(phase1: Self.ourDPD + Self.suite.phase1, pfs: Self.suite.pfs, policy: Self.suite.policy, key: "dpd key")
        #expect(try harness.adm(["initiate", "192.0.2.1", "192.0.2.2"]).status == 0)
        _ = try harness.wait({ try harness.adm(["dump", "sa"]).standardOutput }, until: { $0.contains("IPsec SAs (1)") })
        #expect(try harness.adm(["dump", "p1"]).standardOutput.contains("Dead Peer Detection (RFC 3706) enabled"))
        // While it lives, our R-U-THERE is answered.
        let answered = try harness.wait(timeout: 10, { try harness.adm(["dump", "p1"]).standardOutput }, until: { $0.contains("Dead Peer Detection handshake was successful at") })
        #expect(answered.contains("Dead Peer Detection handshake was successful at"), "\(answered)\n\(harness.log("in.iked.log").suffix(2000))")
        let isolated = Date()
        try harness.run(["isolate", harness.id])
        let stats = try harness.wait(timeout: 20, { try harness.adm(["get", "stats"]).standardOutput }, until: { $0.contains("peers found dead:          1") })
        #expect(stats.contains("peers found dead:          1"), "\(stats)\n\(harness.log("in.iked.log").suffix(2000))")
        // 3 s of quiet, then 0.5 + 1 + 2 s of retransmissions: well within 12 s.
        #expect(Date().timeIntervalSince(isolated) < 12)
        #expect(try harness.adm(["dump", "p1"]).standardOutput.contains("phase 1 SAs (0)"))
        #expect(try harness.adm(["dump", "sa"]).standardOutput.contains("IPsec SAs (0)"))
    }

    /// The count after "answered:" in `get stats`.
    static func answered(_ stats: String) -> Int? {
        guard let range = stats.range(of: "answered:") else { return nil }
        return Int(stats[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber })
    }
}
