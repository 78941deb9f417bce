@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

/// The engine's timer queue: one entry per owner, the earliest first, replaced and cancelled
/// without a scan; and the engine's queue always agrees with the deadlines its SAs hold.
@Suite("Deadline queue and timer tables")
struct DeadlineQueueTests {
    @Test("random sets, cancels and pops agree with a plain dictionary model", arguments: [UInt64(1), 2, 3, 4])
    func agreesWithModel(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var queue = DeadlineQueue<Int>()
        var model: [Int: EngineInstant] = [:]
        var now = EngineInstant.zero
        for _ in 0..<20_000 {
            let owner = Int.random(in: 0..<300, using: &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<6:
                let instant = now.adding(seconds: Double.random(in: 0..<100, using: &generator))
                queue.set(owner, instant)
                model[owner] = instant
            case 6..<8:
                queue.set(owner, nil)
                model[owner] = nil
            default:
                now = now.adding(seconds: Double.random(in: 0..<10, using: &generator))
                var popped: Set<Int> = []
                while let due = queue.popDue(at: now) { popped.insert(due) }
                let expected = Set(model.filter { $0.value <= now }.keys)
                #expect(popped == expected)
                for key in expected { model[key] = nil }
            }
            #expect(queue.next() == model.values.min())
            #expect(queue.count == model.count)
        }
    }

    @Test("the refusal cache forgets in order and holds 4,096 refusals at most")
    func refusalCacheBound() {
        var cache = RefusalCache()
        for index in 0..<5_000 {
            let key = IKEEngine.HalfOpenKey(initiatorCookie: Cookie(value: UInt64(index + 1)), peer: Endpoint(address: IPAddress("10.0.0.1")!, port: 500))
            cache.insert(key, answer: [1], until: EngineInstant(nanoseconds: Int64(index)))
        }
        #expect(cache.count == RefusalCache.capacity)
        #expect(cache.earliest == EngineInstant(nanoseconds: Int64(5_000 - RefusalCache.capacity)))
        cache.expire(at: EngineInstant(nanoseconds: 4_999))
        #expect(cache.count == 0 && cache.earliest == nil)
    }

    /// The deadline the engine's state says is next, found the slow way: every SA looked at.
    static func scannedEarliest(_ engine: IKEEngine) -> EngineInstant? {
        let phase1 = engine.phase1.values.compactMap(\.earliestDeadline)
        let ipsec = engine.ipsecSAs.values.compactMap(\.deadlines.earliest)
        return (phase1 + ipsec + [engine.refused.earliest].compactMap { $0 }).min()
    }

    @Test("after every event of lossy negotiations the queue's next deadline is the one a full scan finds", arguments: [UInt64(5), 6, 7])
    func queueMatchesScan(seed: UInt64) throws {
        let settings = try Scenario.settings(config: Scenario.config(pfs: 14, extra: "p2_lifetime_secs 120\np2_idletime_secs 50"))
        let network = Scenario.pair(initiator: settings, responder: settings, seed: seed)
        network.knobs.loss = 0.25
        network.knobs.duplication = 0.2
        network.knobs.jitter = 0.2
        Scenario.acquire(network)
        var steps = 0
        while steps < 3_000, network.now < EngineInstant.zero.adding(seconds: 400) {
            steps += 1
            if !network.step() {
                // Everything ended (a lossy run can fail): ask again a little later.
                network.advance(seconds: 5)
                Scenario.acquire(network)
            }
            for node in network.nodes {
                #expect(node.engine.nextDeadline() == Self.scannedEarliest(node.engine), "step \(steps) at \(network.now)")
            }
        }
        #expect(network.nodes[0].engine.statistics.quickModeCompleted > 0, "some negotiations completed")
    }
}
