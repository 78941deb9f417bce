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
    /// How many times a pair's encapsulation was updated (NAT mapping changes).
    public var updates = 0
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
        /// The NAT in front of the node, if any.
        public var nat: NATBox?
    }

    /// A NAPT in front of one node (RFC 3022 style): the node's datagrams leave from the public
    /// address with a port the box maps, answers to that port come back; with `forwardsPorts` it
    /// also forwards unsolicited datagrams to the same port of the node (port forwarding, which a
    /// responder behind a NAT needs).
    public struct NATBox {
        public var publicAddress: IPAddress
        public var forwardsPorts: Bool
        var outbound: [Endpoint: UInt16] = [:]
        var inbound: [UInt16: Endpoint] = [:]
        var nextPort: UInt16 = 40000
        /// Datagrams the box dropped (nothing mapped, no forwarding).
        public var dropped = 0

        mutating func translate(from inside: Endpoint) -> Endpoint {
            if let port = outbound[inside] { return Endpoint(address: publicAddress, port: port) }
            let port = nextPort
            nextPort &+= 1
            outbound[inside] = port
            inbound[port] = inside
            return Endpoint(address: publicAddress, port: port)
        }

        /// Where a datagram to the public `port` goes; a forwarded one makes the mapping its answers
        /// leave by (the same port, as a NAT's connection tracking does).
        mutating func inside(for port: UInt16, node: IPAddress) -> Endpoint? {
            if let inside = inbound[port] { return inside }
            guard forwardsPorts else { return nil }
            let inside = Endpoint(address: node, port: port)
            if outbound[inside] == nil {
                outbound[inside] = port
                inbound[port] = inside
            }
            return inside
        }

        /// Forgets every mapping (a NAT reboot, a conntrack flush): the next datagrams get new ports.
        mutating func flush() {
            outbound = [:]
            inbound = [:]
        }
    }

    public struct Knobs {
        public var latency = 0.005
        public var loss = 0.0
        public var duplication = 0.0
        /// Extra random delay up to this many seconds (reorders datagrams).
        public var jitter = 0.0
        /// The largest UDP payload the path carries: larger datagrams are lost, as on a path that
        /// drops IP fragments (nil: no limit).
        public var maximumDatagram: Int?
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
    /// Datagrams lost for exceeding `knobs.maximumDatagram`.
    public private(set) var tooLarge = 0
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

    /// Puts a NAT in front of node `index`: peers see it at `publicAddress`.
    public func putBehindNAT(_ index: Int, publicAddress: String, forwardsPorts: Bool = false) {
        guard let ip = IPAddress(publicAddress) else { preconditionFailure("bad address \(publicAddress)") }
        nodes[index].nat = NATBox(publicAddress: ip, forwardsPorts: forwardsPorts)
    }

    /// The NAT in front of node `index` forgets its mappings.
    public func flushNAT(_ index: Int) { nodes[index].nat?.flush() }

    /// Where a datagram to `destination` ends up: the node and its own endpoint, after its NAT.
    private func deliveryTarget(_ destination: Endpoint) -> (Int, Endpoint)? {
        if let index = nodes.firstIndex(where: { $0.nat == nil && $0.address == destination.address }) { return (index, destination) }
        guard let index = nodes.firstIndex(where: { $0.nat?.publicAddress == destination.address }) else { return nil }
        guard let inside = nodes[index].nat!.inside(for: destination.port, node: nodes[index].address) else {
            nodes[index].nat?.dropped += 1
            return nil
        }
        return (index, inside)
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
                // The sender's NAT rewrites the source; the receiver's (if any) the destination.
                let source = nodes[index].nat != nil ? nodes[index].nat!.translate(from: datagram.local) : datagram.local
                guard let (target, destination) = deliveryTarget(datagram.remote) else { continue }
                if let limit = knobs.maximumDatagram, datagram.bytes.count > limit {
                    dropped += 1
                    tooLarge += 1
                    continue
                }
                if Double.random(in: 0..<1, using: &generator) < knobs.loss {
                    dropped += 1
                    continue
                }
                let copies = Double.random(in: 0..<1, using: &generator) < knobs.duplication ? 2 : 1
                for _ in 0..<copies {
                    let delay = knobs.latency + (knobs.jitter > 0 ? Double.random(in: 0..<knobs.jitter, using: &generator) : 0)
                    // The receiver sees the sender's remote as its local end.
                    let arriving = Datagram(bytes: datagram.bytes, local: destination, remote: source)
                    schedule(.datagram(arriving), for: target, at: now.adding(seconds: delay))
                }
            case .compute(let token, let job, _):
                schedule(.computed(token: token, job.run()), for: index, at: now)
            case .installSAs(let inbound, let outbound):
                nodes[index].kernel.installed[inbound.spi] = inbound
                nodes[index].kernel.installed[outbound.spi] = outbound
            case .updateSAs(let inbound, let outbound, _):
                nodes[index].kernel.installed[inbound.spi] = inbound
                nodes[index].kernel.installed[outbound.spi] = outbound
                nodes[index].kernel.updates += 1
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
