import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes

/// One node of a lockstep run: an engine, its address, its compute oracle, what reached it.
final class LockstepNode {
    let settings: EngineSettings
    let seed: UInt64
    let address: IPAddress
    let pool = ComputeOracle.KeyPool()
    var engine: IKEEngine
    var oracle: ComputeOracle
    var effects: [EngineEffect] = []

    init(settings: EngineSettings, seed: UInt64, address: IPAddress) {
        self.settings = settings
        self.seed = seed
        self.address = address
        engine = IKEEngine(settings: settings, random: SeededRandom(seed: seed))
        oracle = ComputeOracle(pool: pool)
    }

    /// A fresh engine with the same seed and key pool: it makes the same cookies, nonces and keys.
    func reset() {
        engine = IKEEngine(settings: settings, random: SeededRandom(seed: seed))
        oracle = ComputeOracle(pool: pool)
        effects = []
    }

    /// Handles an event and every compute job it starts (at once, so the order never varies);
    /// returns what it sends.
    @discardableResult
    func handle(_ event: EngineEvent, at now: EngineInstant) -> [Datagram] {
        var sent: [Datagram] = []
        var queue = [event]
        while !queue.isEmpty {
            let next = queue.removeFirst()
            for effect in engine.handle(next, at: now) {
                effects.append(effect)
                switch effect {
                case .send(let datagram): sent.append(datagram)
                case .compute(let token, let job, _): queue.append(.computed(token: token, oracle.run(job)))
                case .installSAs, .updateSAs, .deleteSA, .log: break
                }
            }
        }
        return sent
    }
}

/// Two engines run in lockstep (no loss, no latency, compute at once) with every datagram recorded
/// in the order it was delivered: the reference run the stage fuzzer replays and mutates.
final class Transcript {
    struct Delivery {
        var target: Int
        var datagram: Datagram
    }

    let nodes: [LockstepNode]
    private(set) var deliveries: [Delivery] = []
    let acquire: AcquireRequest
    static let start = EngineInstant(nanoseconds: 1_000_000_000)

    init(initiator: EngineSettings, responder: EngineSettings, seed: UInt64 = 7) {
        let a = IPAddress("10.0.0.1")!, b = IPAddress("10.0.0.2")!
        nodes = [LockstepNode(settings: initiator, seed: seed &* 31 &+ 1, address: a), LockstepNode(settings: responder, seed: seed &* 31 &+ 2, address: b)]
        acquire = AcquireRequest(localAddress: a, remoteAddress: b)
        var pending = nodes[0].handle(.acquire(acquire), at: Self.start).map { Delivery(target: 1, datagram: $0.arriving) }
        while !pending.isEmpty, deliveries.count < 64 {
            let delivery = pending.removeFirst()
            deliveries.append(delivery)
            let answers = nodes[delivery.target].handle(.datagram(delivery.datagram), at: Self.time(deliveries.count))
            pending += answers.map { Delivery(target: 1 - delivery.target, datagram: $0.arriving) }
        }
    }

    static func time(_ step: Int) -> EngineInstant { start.adding(seconds: Double(step) * 0.001) }

    /// The datagrams node `target` received, in order.
    func inbox(_ target: Int) -> [Datagram] { deliveries.filter { $0.target == target }.map(\.datagram) }

    /// A fresh engine for node `target` brought to where it stood before its `count`-th datagram.
    func replay(_ target: Int, upTo count: Int) -> LockstepNode {
        let node = nodes[target]
        node.reset()
        if target == 0 { node.handle(.acquire(acquire), at: Self.start) }
        var seen = 0
        for (index, delivery) in deliveries.enumerated() where delivery.target == target {
            guard seen < count else { break }
            node.handle(.datagram(delivery.datagram), at: Self.time(index + 1))
            seen += 1
        }
        node.effects = []
        return node
    }
}

extension Datagram {
    /// The datagram as its receiver sees it (the sender's remote end is the receiver's local end).
    var arriving: Datagram { Datagram(bytes: bytes, local: remote, remote: local) }
}
