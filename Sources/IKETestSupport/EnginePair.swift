import IKECrypto
import IKEConfig
import IKEEngine
import IPsecTypes

/// Random bytes from a seeded generator, so simulations repeat exactly.
public final class SeededRandom: RandomSource, @unchecked Sendable {
    // Only used from the single thread that drives an engine.
    private var generator: SeededGenerator
    public init(seed: UInt64) { generator = SeededGenerator(seed: seed) }
    public func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) } }
}

/// A fake kernel SAD: what an engine installed and deleted.
public struct InMemorySAD: Sendable {
    public var installed: [UInt32: IPsecSA] = [:]
    public var deletedSPIs: [UInt32] = []
    public init() {}
}

/// Engines wired through a simulated network with virtual time (STYLE §1.6): latency, loss,
/// duplication and reordering knobs, compute jobs run at once, a bounded `drive` that fails on livelock.
public final class EngineNetwork {
    public struct Node {
        public var engine: IKEEngine
        public var address: IPAddress
        public var kernel = InMemorySAD()
        public var logs: [EngineLog] = []
    }

    public struct Knobs {
        public var latency = 0.005
        public var loss = 0.0
        public var duplication = 0.0
        /// Extra random delay up to this many seconds (reorders datagrams).
        public var jitter = 0.0
        public init() {}
    }

    private struct Pending {
        var time: EngineInstant
        var sequence: Int
        var target: Int
        var event: EngineEvent
    }

    public private(set) var nodes: [Node] = []
    public var knobs = Knobs()
    public private(set) var now = EngineInstant.zero
    public private(set) var delivered = 0
    public private(set) var dropped = 0
    private var queue: [Pending] = []
    private var sequence = 0
    private var generator: SeededGenerator

    public init(seed: UInt64 = 1) { generator = SeededGenerator(seed: seed) }

    @discardableResult
    public func add(address: String, settings: EngineSettings, seed: UInt64) -> Int {
        guard let ip = IPAddress(address) else { preconditionFailure("bad address \(address)") }
        nodes.append(Node(engine: IKEEngine(settings: settings, random: SeededRandom(seed: seed), now: now), address: ip))
        return nodes.count - 1
    }

    /// Node `index` restarts: a fresh engine (new cookies and keys from `seed`), an empty SAD, and
    /// nothing of what was queued for it.
    public func restart(_ index: Int, seed: UInt64) {
        nodes[index].engine = IKEEngine(settings: nodes[index].engine.settings, random: SeededRandom(seed: seed), now: now)
        nodes[index].kernel = InMemorySAD()
        queue.removeAll { $0.target == index }
    }

    /// Gives `event` to node `index` now and queues what follows.
    public func inject(_ event: EngineEvent, into index: Int) {
        schedule(event, for: index, at: now)
    }

    private func schedule(_ event: EngineEvent, for target: Int, at time: EngineInstant) {
        sequence += 1
        queue.append(Pending(time: time, sequence: sequence, target: target, event: event))
    }

    private func apply(_ effects: [EngineEffect], from index: Int) {
        for effect in effects {
            switch effect {
            case .send(let datagram):
                guard let target = nodes.firstIndex(where: { $0.address == datagram.remote.address }) else { continue }
                if Double.random(in: 0..<1, using: &generator) < knobs.loss {
                    dropped += 1
                    continue
                }
                let copies = Double.random(in: 0..<1, using: &generator) < knobs.duplication ? 2 : 1
                for _ in 0..<copies {
                    let delay = knobs.latency + (knobs.jitter > 0 ? Double.random(in: 0..<knobs.jitter, using: &generator) : 0)
                    // The receiver sees the sender's remote as its local end.
                    let arriving = Datagram(bytes: datagram.bytes, local: datagram.remote, remote: datagram.local)
                    schedule(.datagram(arriving), for: target, at: now.adding(seconds: delay))
                }
            case .compute(let token, let job, _):
                schedule(.computed(token: token, job.run()), for: index, at: now)
            case .installSAs(let inbound, let outbound):
                nodes[index].kernel.installed[inbound.spi] = inbound
                nodes[index].kernel.installed[outbound.spi] = outbound
            case .deleteSA(let spi, _, _):
                nodes[index].kernel.installed[spi] = nil
                nodes[index].kernel.deletedSPIs.append(spi)
            case .log(let record):
                nodes[index].logs.append(record)
            }
        }
    }

    /// Processes the next event or deadline; false when nothing is left.
    @discardableResult
    public func step() -> Bool {
        let nextQueued = queue.indices.min { (queue[$0].time, queue[$0].sequence) < (queue[$1].time, queue[$1].sequence) }
        let deadlines = nodes.indices.compactMap { index in nodes[index].engine.nextDeadline().map { (index, $0) } }
        let nextDeadline = deadlines.min { $0.1 < $1.1 }
        if let position = nextQueued, nextDeadline == nil || queue[position].time <= nextDeadline!.1 {
            let item = queue.remove(at: position)
            now = max(now, item.time)
            if case .datagram = item.event { delivered += 1 }
            apply(nodes[item.target].engine.handle(item.event, at: now), from: item.target)
            return true
        }
        if let (index, instant) = nextDeadline {
            now = max(now, instant)
            apply(nodes[index].engine.handle(.tick, at: now), from: index)
            return true
        }
        return false
    }

    /// Steps until `done` holds; returns false when the step budget runs out or nothing is left to do.
    @discardableResult
    public func drive(maxSteps: Int = 100_000, until done: () -> Bool) -> Bool {
        for _ in 0..<maxSteps {
            if done() { return true }
            if !step() { return done() }
        }
        return done()
    }

    /// Moves the clock forward (events and deadlines up to then are processed).
    public func advance(seconds: Double) {
        let target = now.adding(seconds: seconds)
        while true {
            let nextQueued = queue.map(\.time).min()
            let nextDeadline = nodes.compactMap { $0.engine.nextDeadline() }.min()
            guard let next = [nextQueued, nextDeadline].compactMap({ $0 }).min(), next <= target else { break }
            step()
        }
        now = target
    }
}
