import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

@Suite("Engine under loss, duplication, reordering and hostile input")
struct RobustnessTests {
    @Test("30 % loss with duplication and reordering still ends with matching SAs", arguments: Array(UInt64(1)...12))
    func lossyNetwork(_ seed: UInt64) throws {
        let settings = try Scenario.settings(config: Scenario.config(pfs: 14))
        let network = Scenario.pair(initiator: settings, responder: settings, seed: seed)
        network.knobs.loss = 0.3
        network.knobs.duplication = 0.2
        network.knobs.jitter = 0.3
        Scenario.acquire(network)
        let done = network.drive(maxSteps: 20_000) { Scenario.keysAgree(network) }
        // With five retransmissions a run can still lose; then both sides must have given up cleanly.
        if !done {
            let a = network.nodes[0].engine.statistics
            #expect(a.phase1FailedInitiator + a.quickModeFailed >= 1, "seed \(seed)")
        }
        #expect(network.nodes[0].kernel.installed.count <= 2 && network.nodes[1].kernel.installed.count <= 2)
        #expect(network.dropped > 0, "30 % loss dropped something")
    }

    @Test("most lossy runs succeed: at least 10 of 12 seeds")
    func lossySuccessRate() throws {
        var successes = 0
        for seed in UInt64(100)..<112 {
            let settings = try Scenario.settings(config: Scenario.config(pfs: 14))
            let network = Scenario.pair(initiator: settings, responder: settings, seed: seed)
            network.knobs.loss = 0.3
            network.knobs.duplication = 0.1
            network.knobs.jitter = 0.2
            Scenario.acquire(network)
            if network.drive(maxSteps: 20_000, until: { Scenario.keysAgree(network) }) { successes += 1 }
        }
        #expect(successes >= 10)
    }

    @Test("one responder serves 40 initiators at once")
    func manyPeers() throws {
        let settings = try Scenario.settings()
        let network = EngineNetwork(seed: 9)
        network.knobs.jitter = 0.05
        let responder = network.add(address: "10.0.0.1", settings: settings, seed: 1000)
        for index in 0..<40 {
            let node = network.add(address: "10.0.1.\(index + 1)", settings: settings, seed: UInt64(index + 1))
            Scenario.acquire(network, from: node, to: responder)
        }
        #expect(network.drive(maxSteps: 50_000) { network.nodes[responder].engine.statistics.quickModeCompleted == 40 })
        #expect(network.nodes[responder].engine.statistics.phase1CurrentResponder == 40)
        #expect(network.nodes[responder].kernel.installed.count == 80)
        for index in 1...40 { #expect(Scenario.keysAgree(network, index, responder) || network.nodes[index].kernel.installed.count == 2) }
    }

    @Test("a silent peer: retransmissions double up to retry_limit, then the attempt fails as a time-out")
    func silentPeer() throws {
        let settings = try Scenario.settings()
        let network = EngineNetwork(seed: 3)
        network.add(address: "10.0.0.1", settings: settings, seed: 1)
        network.inject(.acquire(AcquireRequest(localAddress: IPAddress("10.0.0.1")!, remoteAddress: IPAddress("10.0.0.9")!)), into: 0)
        #expect(network.drive(maxSteps: 100) { network.nodes[0].engine.statistics.phase1FailedInitiator == 1 })
        let statistics = network.nodes[0].engine.statistics
        #expect(statistics.retransmissions == 5 && statistics.phase1InitiatorTimeouts == 1 && statistics.phase1FailureReasons == [.timeout: 1])
        // 0.5 + 1 + 2 + 4 + 8 + 8 (retry_timer_max 8): given up at 23.5 s.
        #expect(abs(network.now.seconds(since: .zero) - 23.5) < 0.01)
        #expect(network.nodes[0].engine.nextDeadline() == nil)
    }

    @Test("soft expiry rekeys before hard expiry; the old SAs go at their hard lifetime")
    func rekey() throws {
        let config = Scenario.config(extra: "p2_lifetime_secs 120\np2_softlife_secs 90")
        let settings = try Scenario.settings(config: config)
        let network = Scenario.pair(initiator: settings, responder: settings)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        let first = Set(network.nodes[0].kernel.installed.keys)
        network.advance(seconds: 95)
        #expect(network.nodes[0].kernel.installed.count == 4 && network.nodes[1].kernel.installed.count == 4)
        #expect(Scenario.keysAgree(network))
        network.advance(seconds: 30)
        #expect(network.nodes[0].kernel.installed.count == 2 && network.nodes[1].kernel.installed.count == 2)
        #expect(Set(network.nodes[0].kernel.installed.keys).isDisjoint(with: first))
        #expect(Scenario.keysAgree(network))
    }

    @Test("Phase 1 expiry deletes the ISAKMP SA on both sides; the next acquire runs Main Mode again")
    func phase1Expiry() throws {
        let settings = try Scenario.settings(config: Scenario.config(extra: "p1_lifetime_secs 600"))
        let network = Scenario.pair(initiator: settings, responder: settings)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        network.advance(seconds: 601)
        #expect(network.nodes[0].engine.phase1Summaries.isEmpty && network.nodes[1].engine.phase1Summaries.isEmpty)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { network.nodes[0].engine.statistics.phase1TotalInitiator == 2 })
    }

    @Test("both sides initiating at once end with working SAs on both sides, nothing half-made")
    func simultaneousInitiation() throws {
        for seed in UInt64(1)...5 {
            let settings = try Scenario.settings(config: Scenario.config(pfs: 14))
            let network = Scenario.pair(initiator: settings, responder: settings, seed: seed)
            Scenario.acquire(network, from: 0, to: 1)
            Scenario.acquire(network, from: 1, to: 0)
            #expect(network.drive(maxSteps: 5000) {
                network.nodes[0].engine.statistics.quickModeCompleted == 2 && network.nodes[1].engine.statistics.quickModeCompleted == 2
            })
            #expect(Scenario.keysAgree(network))
            #expect(network.nodes[0].kernel.installed.count == 4)
            network.advance(seconds: 400)
            // Nothing left half-open: only established Phase 1 SAs, no pending exchanges.
            #expect(network.nodes.allSatisfy { $0.engine.phase1Summaries.allSatisfy { $0.state == "ACTIVE" } })
            #expect(network.nodes.allSatisfy { $0.engine.statistics.phase1FailedInitiator + $0.engine.statistics.quickModeFailed == 0 })
        }
    }

    @Test("a responder with a shorter Phase 1 lifetime says so, and the initiator adopts it")
    func phase1ResponderLifetime() throws {
        let initiator = try Scenario.settings(config: Scenario.config(extra: "p1_lifetime_secs 7200"))
        let responder = try Scenario.settings(config: Scenario.config(extra: "p1_lifetime_secs 1800"))
        let network = Scenario.pair(initiator: initiator, responder: responder)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        network.advance(seconds: 1)
        #expect(network.nodes[1].engine.phase1Summaries.first?.lifetimeSeconds == 1800)
        #expect(network.nodes[0].engine.phase1Summaries.first?.lifetimeSeconds == 1800)
        network.advance(seconds: 1800)
        #expect(network.nodes[0].engine.phase1Summaries.isEmpty)
    }

    @Test("garbage, truncated, replayed and forged datagrams change nothing")
    func hostileInput() throws {
        let settings = try Scenario.settings()
        let network = Scenario.pair(initiator: settings, responder: settings)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        let engine = network.nodes[1].engine
        // The SA's error counters move (that is their point); everything else must not.
        func withoutCounters(_ summaries: [Phase1Summary]) -> [Phase1Summary] {
            summaries.map { var summary = $0; summary.counters = Phase1Counters(); return summary }
        }
        let before = (withoutCounters(engine.phase1Summaries), engine.ipsecSummaries.map(\.inboundSPI), network.nodes[1].kernel.installed.keys.sorted())
        let local = Endpoint(address: network.nodes[1].address, port: 500), remote = Endpoint(address: network.nodes[0].address, port: 500)
        let summary = try #require(engine.phase1Summaries.first)
        var generator = SeededGenerator(seed: 5)
        var hostile: [[UInt8]] = [[], [1, 2, 3], [UInt8](repeating: 0, count: 28)]
        // Messages for the live SA with random encrypted bodies: Quick Mode, informational, Main Mode.
        for exchange in [ExchangeType.quickMode, .informational, .identityProtection] {
            for _ in 0..<50 {
                let header = ISAKMPHeader(initiatorCookie: Cookie(value: summary.initiatorCookie), responderCookie: Cookie(value: summary.responderCookie),
                                          nextPayload: .hash, exchangeType: exchange, flags: .encryption, messageID: UInt32.random(in: 0...UInt32.max, using: &generator))
                let body = (0..<(16 * Int.random(in: 1...8, using: &generator))).map { _ in UInt8.random(in: 0...255, using: &generator) }
                hostile.append(ISAKMPMessage(header: header, body: .encrypted(body)).encoded())
            }
        }
        // An unprotected delete for the live SA (racoon CVE-2004-0164).
        let delete = ISAKMPMessage(
            header: ISAKMPHeader(initiatorCookie: Cookie(value: summary.initiatorCookie), responderCookie: Cookie(value: summary.responderCookie), exchangeType: .informational, messageID: 7),
            body: .payloads([Payload(.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [Cookie(value: summary.initiatorCookie).bytes + Cookie(value: summary.responderCookie).bytes])))]))
        hostile.append(delete.encoded())
        for bytes in hostile {
            _ = engine.handle(.datagram(Datagram(bytes: bytes, local: local, remote: remote)), at: network.now)
        }
        // The same from a third address.
        let stranger = Endpoint(address: IPAddress("10.0.9.9")!, port: 500)
        for bytes in hostile { _ = engine.handle(.datagram(Datagram(bytes: bytes, local: local, remote: stranger)), at: network.now) }
        let after = (withoutCounters(engine.phase1Summaries), engine.ipsecSummaries.map(\.inboundSPI), network.nodes[1].kernel.installed.keys.sorted())
        #expect(after.0 == before.0 && after.1 == before.1 && after.2 == before.2)
        let counters = try #require(engine.phase1Summaries.first?.counters)
        #expect(counters.receiveDecryptErrors + counters.receiveHashErrors >= 100 && counters.ipsecSAsCreated == 1)
        #expect(engine.statistics.authenticationDropped >= 100 && engine.statistics.authenticationDropped + engine.statistics.unexpectedDropped >= 300)
        #expect(engine.statistics.malformedDropped >= 3)
        // And the SA still works: a new Quick Mode completes.
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { network.nodes[1].engine.statistics.quickModeCompleted == 2 })
        #expect(engine.phase1Summaries.first?.counters.ipsecSAsCreated == 2)
    }
}
