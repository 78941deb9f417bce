import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

/// Dead Peer Detection (RFC 3706) between two engines: announced in Main Mode, R-U-THERE after
/// dpd_interval of quiet, retransmitted by the exchange driver, the ACK matched by sequence number,
/// and a silent peer's SAs deleted after dpd_retries.
@Suite("Dead Peer Detection")
struct DeadPeerDetectionTests {
    static func settings(interval: Int = 10, retries: Int = 3) throws -> EngineSettings {
        try Scenario.settings(config: Scenario.config(extra: "dpd_interval \(interval)\ndpd_retries \(retries)"))
    }

    @Test("both sides announce DPD and run it: a quiet but live peer answers R-U-THERE, one side probes, the SAs stay")
    func livePeer() throws {
        let network = Scenario.established(try Self.settings())
        for node in network.nodes {
            let summary = try #require(node.engine.phase1Summaries.first)
            #expect(summary.peerVendorIDs.contains("RFC 3706 DPD") && summary.deadPeerDetection)
            #expect(summary.deadPeerDetectionResult == "not initiated")
        }
        network.advance(seconds: 120)
        let sent = network.nodes.map(\.engine.statistics.dpdRequestsSent)
        let answered = network.nodes.map(\.engine.statistics.dpdRequestsAnswered)
        // About one R-U-THERE per interval (10-11 s) for the SA, not one per interval from each end.
        #expect((9...13).contains(sent[0] + sent[1]), "\(sent)")
        #expect(answered[0] == sent[1] && answered[1] == sent[0], "every R-U-THERE answered: sent \(sent), answered \(answered)")
        #expect(sent.min() ?? 0 <= 2, "one end does the probing once they drift apart: \(sent)")
        for node in network.nodes {
            #expect(node.engine.statistics.dpdDeadPeers == 0)
            #expect(node.kernel.installed.count == 2)
        }
        #expect(network.nodes.contains { $0.engine.phase1Summaries.first?.deadPeerDetectionResult == "successful" })
        #expect(Scenario.keysAgree(network))
    }

    @Test("a peer that goes silent is dead after dpd_interval and dpd_retries retransmissions: its SAs go here and in the kernel")
    func silentPeer() throws {
        let network = Scenario.established(try Self.settings(interval: 10, retries: 3))
        let establishedAt = network.now
        network.knobs.loss = 1
        // 10-11 s of quiet, then R-U-THERE and 3 retransmissions at 0.5, 1, 2 s, then 4 s for the last.
        network.advance(seconds: 9)
        #expect(network.nodes[0].engine.statistics.dpdRequestsSent == 0, "not before the interval")
        network.advance(seconds: 13)
        let engine = network.nodes[0].engine
        #expect(engine.statistics.dpdDeadPeers == 1)
        #expect(engine.phase1Summaries.isEmpty && engine.ipsecSummaries.isEmpty)
        #expect(network.nodes[0].kernel.installed.isEmpty, "the kernel's SAs are gone, so the next packet asks for new ones")
        #expect(network.now.seconds(since: establishedAt) <= 22)
        #expect(engine.statistics.retransmissions >= 3)
    }

    @Test("after a dead peer comes back, the next request negotiates afresh")
    func peerReturns() throws {
        let network = Scenario.established(try Self.settings(interval: 10, retries: 2))
        network.knobs.loss = 1
        network.advance(seconds: 30)
        #expect(network.nodes[0].engine.statistics.dpdDeadPeers == 1)
        network.knobs.loss = 0
        // The peer's own DPD found us dead too; either way both start clean.
        network.advance(seconds: 30)
        Scenario.acquire(network)
        #expect(network.drive { Scenario.keysAgree(network) })
        #expect(network.nodes[0].engine.statistics.phase1TotalInitiator == 2)
    }

    @Test("inbound ESP counted by the kernel keeps a peer alive without R-U-THERE")
    func trafficIsLife() throws {
        // The peer does not probe (dpd_interval 0), so whatever R-U-THERE there is comes from us.
        let network = Scenario.pair(initiator: try Self.settings(interval: 10), responder: try Self.settings(interval: 0), seed: 1)
        Scenario.acquire(network)
        #expect(network.drive { Scenario.keysAgree(network) })
        let counters = IPsecLifetimeTests.Counters()
        network.nodes[0].engine.kernel = counters
        let inbound = try #require(network.nodes[0].engine.ipsecSummaries.first?.inboundSPI)
        for _ in 0..<8 {
            counters.bytes[inbound, default: 0] += 1500
            network.advance(seconds: 5)
        }
        #expect(network.nodes[0].engine.statistics.dpdRequestsSent == 0)
        // Quiet again: asked within two intervals (the check that saw the last traffic, then one more).
        network.advance(seconds: 25)
        #expect(network.nodes[0].engine.statistics.dpdRequestsSent >= 1)
    }

    @Test("dpd_interval 0 turns it off; the peer's R-U-THERE is still answered")
    func off() throws {
        let off = try Self.settings(interval: 0)
        let network = Scenario.pair(initiator: off, responder: try Self.settings(interval: 10), seed: 1)
        Scenario.acquire(network)
        #expect(network.drive { Scenario.keysAgree(network) })
        network.advance(seconds: 40)
        #expect(network.nodes[0].engine.phase1Summaries.first?.deadPeerDetection == false)
        #expect(network.nodes[0].engine.statistics.dpdRequestsSent == 0)
        #expect(network.nodes[1].engine.statistics.dpdRequestsSent >= 2 && network.nodes[1].engine.statistics.dpdDeadPeers == 0)
    }

    @Test("an R-U-THERE-ACK whose sequence number is not the one in flight is ignored")
    func wrongSequence() throws {
        let network = Scenario.established(try Self.settings(interval: 10))
        let engine = network.nodes[0].engine
        let sa = try #require(engine.phase1.values.first)
        let notify = NotificationPayload(protocolID: .isakmp, type: .dpdRUThereAck, spi: sa.initiatorCookie.bytes + sa.responderCookie.bytes, data: [0, 0, 0, 1])
        #expect(!engine.receivedAreYouThereAck(notify, on: sa), "nothing in flight")
        network.knobs.loss = 1
        network.advance(seconds: 11.5)
        let outstanding = try #require(sa.dpd?.outstanding)
        var wrong = notify
        wrong.data = (outstanding.sequence &+ 1).bigEndianBytes
        #expect(!engine.receivedAreYouThereAck(wrong, on: sa))
        var right = notify
        right.data = outstanding.sequence.bigEndianBytes
        #expect(engine.receivedAreYouThereAck(right, on: sa))
        #expect(sa.dpd?.result == .succeeded && sa.dpd?.outstanding == nil)
    }
}
