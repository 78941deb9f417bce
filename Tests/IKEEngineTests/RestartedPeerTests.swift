import ISAKMP
import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import Testing

/// A peer that restarts (kill -9) has forgotten every SA: it rightly drops our Quick Modes on the
/// old Phase 1 SA. The survivor must notice within one retry cycle and negotiate afresh, whichever
/// role it had in the first Phase 1.
@Suite("A restarted peer is found again")
struct RestartedPeerTests {
    @Test("the survivor's unanswered Quick Mode deletes the stale Phase 1 and a new Main Mode follows", arguments: [1, 0])
    func survivorRecovers(restarted: Int) throws {
        let settings = try Scenario.settings()
        let network = Scenario.established(settings)
        let survivor = 1 - restarted
        network.restart(restarted, seed: 4242)
        let restartedAt = network.now
        Scenario.acquire(network, from: survivor, to: restarted)
        // retry_limit 5 from 0.5 s doubling to 8 s: 0.5 + 1 + 2 + 4 + 8 + 8 = 23.5 s, then a new negotiation.
        #expect(network.drive(maxSteps: 5_000) { Scenario.keysAgree(network) && network.nodes[restarted].kernel.installed.count == 2 })
        #expect(network.now.seconds(since: restartedAt) < 30, "recovered within one retry cycle (\(network.now.seconds(since: restartedAt)) s)")
        let stats = network.nodes[survivor].engine.statistics
        #expect(stats.phase1PresumedDead == 1)
        #expect(network.nodes[survivor].engine.phase1Summaries.count == 1, "the stale Phase 1 SA is gone")
        #expect(network.nodes[survivor].kernel.installed.count == 2, "the stale IPsec SAs are gone")
    }

    @Test("a Quick Mode that goes unanswered while the peer still talks does not condemn the Phase 1 SA")
    func answeringPeerKeepsPhase1() throws {
        let settings = try Scenario.settings()
        let network = Scenario.established(settings)
        let sa = try #require(network.nodes[0].engine.phase1.values.first)
        let engine = network.nodes[0].engine
        let selector = TrafficSelector(local: AddressRange(IPAddress("10.0.0.1")!), remote: AddressRange(IPAddress("10.0.0.2")!))
        let context = QuickModeContext(messageID: 99, keying: try #require(sa.establishedKeying), settings: engine.settings, random: engine.random)
        let offer = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .esp, spi: UInt32(1234).bigEndianBytes, transforms: [])])
        let (machine, _) = QuickModeInitiator.start(QuickModeInitiator.Offer(sa: offer, selector: selector, pfsGroup: nil), context)
        let exchange = QuickModeExchange(on: sa, messageID: 99, machine: .initiator(machine), now: network.now, expireTimer: 30, selector: selector,
                                         ourSPI: 1234, request: nil)
        sa.heard(at: network.now.adding(seconds: 1))
        network.nodes[0].engine.presumePhase1Dead(sa, exchange)
        #expect(network.nodes[0].engine.statistics.phase1PresumedDead == 0)
        #expect(sa.isEstablished)
    }
}
