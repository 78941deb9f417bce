import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// The IKEv1 engine: routes datagrams to Phase 1 SAs by cookies and to Quick Mode exchanges by message
/// ID, answers stateless cases, keeps every deadline, and collects the effects of each event.
///
/// Use from one thread (or actor) at a time: `handle(_:at:)` with non-decreasing times, carry out the
/// returned effects in order, then wake at `nextDeadline()` with `.tick`.
public final class IKEEngine {
    public internal(set) var settings: EngineSettings
    public internal(set) var statistics = EngineStatistics()
    let random: any RandomSource
    /// The kernel's SPIs and inbound policy (nil: SPIs from `random`, policy from ipsecinit.conf only).
    public var kernel: (any KernelOracle)?
    var now = EngineInstant.zero
    var effects: [EngineEffect] = []

    /// Marks owners whose deadlines changed during the current event (read back in `finishEvent`).
    let dirty = DirtyDeadlines()
    /// The earliest deadline of every owner: `nextDeadline()` reads its top.
    var deadlineQueue = DeadlineQueue<DeadlineOwner>()

    /// The Phase 1 SAs under stable handles, with their cookie, initiator-cookie and peer indexes.
    var phase1 = Phase1Table()
    /// MM1 retransmissions find their half-open SA by (initiator cookie, peer).
    var halfOpen: [HalfOpenKey: SAHandle] = [:]
    /// Main Mode offers we refused, with the refusal sent and when to forget it: a retransmitted MM1
    /// gets the same answer instead of counting as a new attempt.
    var refused = RefusalCache()
    /// IPsec SAs we installed, by our inbound SPI.
    var ipsecSAs: IPsecSATable
    /// Inbound SPIs handed to exchanges still negotiating (so a random SPI is never given twice).
    var pendingSPIs: Set<UInt32> = []
    var pendingCompute: [UInt64: ComputeContinuation] = [:]
    /// Compute jobs in flight for peers that have not authenticated (bounded by the limits).
    var unauthenticatedComputations: Set<UInt64> = []
    /// The responder's half-open Phase 1 SAs, counted globally and per peer.
    var halfOpenSAs = HalfOpenLimiter()
    var nextToken: UInt64 = 1
    /// Bytes held by fragment reassemblies across all SAs (bounded by FragmentReassembly.maximumTotalBytes).
    var reassemblyBytes = 0

    struct HalfOpenKey: Hashable {
        var initiatorCookie: Cookie
        var peer: Endpoint
    }

    /// What a compute result continues: the SA by its handle (and the exchange by message ID).
    enum ComputeContinuation {
        case mainMode(SAHandle)
        case quickMode(SAHandle, UInt32)

        var handle: SAHandle {
            switch self {
            case .mainMode(let handle), .quickMode(let handle, _): handle
            }
        }
    }

    public init(settings: EngineSettings, random: any RandomSource, now: EngineInstant = .zero) {
        self.settings = settings
        self.random = random
        self.now = now
        self.ipsecSAs = IPsecSATable(dirty: dirty)
    }

    /// Replaces configuration and keys (SIGHUP). Established SAs stay; new negotiations use the new files.
    public func reload(_ settings: EngineSettings) { self.settings = settings }

    /// Handles one event at `time`; returns the effects to carry out, in order.
    public func handle(_ event: EngineEvent, at time: EngineInstant) -> [EngineEffect] {
        now = max(now, time)
        effects = []
        switch event {
        case .datagram(let datagram): receive(datagram)
        case .acquire(let request): acquire(request)
        case .computed(let token, let result): computed(token, result)
        case .expired(let spi, let protocolID, let destination, let hard): kernelExpired(spi: spi, protocolID: protocolID, destination: destination, hard: hard)
        case .tick: break
        case .deleteIPsecSAs(let peer): deleteIPsecSAs(peer: peer, notify: true)
        case .deletePhase1(let initiator, let responder):
            if let sa = phase1[CookiePair(initiator: Cookie(value: initiator), responder: Cookie(value: responder))] { deletePhase1(sa, notify: true) }
        case .installFailed(let inboundSPI, let reason): installFailed(inboundSPI: inboundSPI, reason: reason)
        case .natMappingChanged(let inboundSPI, let destination, let peer): natMappingChanged(inboundSPI: inboundSPI, destination: destination, peer: peer)
        case .kernelFlushed: kernelFlushed()
        case .shutdown: shutdown()
        }
        finishEvent()
        runDeadlines()
        return effects
    }

    /// Re-reads the earliest deadline of every owner the event changed into the queue: O(log N) each.
    func finishEvent() {
        for owner in dirty.take() { deadlineQueue.set(owner, earliestDeadline(of: owner)) }
    }

    func earliestDeadline(of owner: DeadlineOwner) -> EngineInstant? {
        switch owner {
        case .phase1(let handle): phase1[handle]?.earliestDeadline
        case .ipsec(let ourSPI): ipsecSAs[ourSPI]?.deadlines.earliest
        case .refusals: refused.earliest
        }
    }

    /// The earliest instant at which `handle(.tick, at:)` has work to do: the top of the deadline
    /// queue, O(1) however many SAs there are.
    public func nextDeadline() -> EngineInstant? { deadlineQueue.next() }

    // MARK: Views for administration

    /// The Phase 1 SAs, for `ikeadm dump p1`.
    public var phase1Summaries: [Phase1Summary] {
        phase1.values.filter { !$0.isDead }.sorted { ($0.created, $0.handle.value) < ($1.created, $1.handle.value) }.map { Phase1Summary($0, now: now, pfsGroup: settings.configuration.effectivePhase2(for: $0.rule).pfsGroup?.rawValue ?? 0) }
    }

    /// The IPsec SAs, for `ikeadm dump sa`.
    public var ipsecSummaries: [IPsecSASummary] {
        ipsecSAs.values.sorted { $0.installed < $1.installed }.map { IPsecSASummary(pair: $0, now: now) }
    }

    // MARK: Helpers used by the exchanges

    func log(_ level: EngineLog.Level, _ category: EngineLog.Category, _ message: String) {
        effects.append(.log(EngineLog(level: level, category: category, message: message)))
    }

    func send(_ bytes: [UInt8], from local: Endpoint, to remote: Endpoint) {
        effects.append(.send(Datagram(bytes: framed(bytes, from: local), local: local, remote: remote)))
    }

    func compute(_ job: ComputeJob, then continuation: ComputeContinuation, priority: ComputePriority = .established) {
        let token = nextToken
        nextToken += 1
        pendingCompute[token] = continuation
        if priority == .unauthenticated { unauthenticatedComputations.insert(token) }
        effects.append(.compute(token: token, job, priority: priority))
    }

    /// A fresh cookie: 8 bytes from the cryptographic generator. RFC 2408 §2.5.3 asks that a cookie be
    /// unpredictable to anyone else, unique to the exchange and cheap; it suggests a keyed hash of the
    /// addresses so that a responder could check a returned cookie without state. We keep state for
    /// every half-open SA (bounded by HalfOpenLimits) and look the cookie up, so randomness alone
    /// gives all three, without an HMAC per unauthenticated MM1.
    func makeCookie() -> Cookie {
        var bytes = random.bytes(8)
        if bytes.allSatisfy({ $0 == 0 }) { bytes[7] = 1 }
        return Cookie(bytes)
    }

    /// An SPI for an inbound SA from the peer of `sa`: the kernel's when there is a kernel oracle, else
    /// a random one not in use, above the reserved range 1–255 (RFC 4303 §2.1).
    func makeSPI(_ protocolID: SecurityProtocol, for sa: Phase1SA) -> UInt32? {
        if let kernel {
            let spi = kernel.allocateSPI(protocolID: protocolID, source: sa.remote.address, destination: sa.local.address)
            if spi == nil { log(.error, .phase2, "the kernel allocated no SPI for an SA from \(sa.remote.address)") }
            return spi
        }
        while true {
            let spi = random.uint32()
            if spi > 255, ipsecSAs[spi] == nil, !pendingSPIs.contains(spi) {
                pendingSPIs.insert(spi)
                return spi
            }
        }
    }

    func register(_ sa: Phase1SA) {
        phase1.insert(sa)
        dirty.mark(.phase1(sa.handle))
    }

    /// A new Phase 1 SA under a fresh handle (not registered yet).
    func makePhase1SA(role: Phase1SA.Role, cookies: CookiePair, local: Endpoint, remote: Endpoint, rule: IKERule, mainMode: Phase1SA.MainMode) -> Phase1SA {
        let sa = Phase1SA(handle: phase1.makeHandle(), dirty: dirty, role: role, initiatorCookie: cookies.initiator, responderCookie: cookies.responder,
                          local: local, remote: remote, rule: rule, mainMode: mainMode, now: now)
        sa.deadlines[.negotiationExpiry] = now.adding(seconds: settings.expireTimer)
        return sa
    }
}
