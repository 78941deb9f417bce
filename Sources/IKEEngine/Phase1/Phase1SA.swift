import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// One ISAKMP SA (Phase 1) and the exchanges it protects.
final class Phase1SA {
    enum Role: String { case initiator, responder }

    /// Where the SA stands.
    enum State {
        /// Main Mode is running; its machine says what has been sent and received.
        case negotiating(MainMode)
        /// Authenticated: Quick Mode and Informational run under these keys.
        case established(Phase1Keying)
        /// Deleted or failed; kept only until the engine drops it.
        case dead
    }

    /// Main Mode in our role (STYLE §3.1: role-specific steps chosen at creation).
    enum MainMode {
        case initiator(MainModeInitiator)
        case responder(MainModeResponder)

        /// What a step takes: a message of the exchange, or a Diffie-Hellman result.
        enum Input {
            case message(ISAKMPMessage)
            case computed(ComputeResult)
        }

        /// Runs one step of the machine in our role.
        mutating func step(_ input: Input, _ context: MainModeContext) -> [MainModeAction] {
            switch (self, input) {
            case (.initiator(var machine), .message(let message)):
                defer { self = .initiator(machine) }
                return machine.received(message, context)
            case (.initiator(var machine), .computed(let result)):
                defer { self = .initiator(machine) }
                return machine.computed(result, context)
            case (.responder(var machine), .message(let message)):
                defer { self = .responder(machine) }
                return machine.received(message, context)
            case (.responder(var machine), .computed(let result)):
                defer { self = .responder(machine) }
                return machine.computed(result, context)
            }
        }

        var keying: Phase1Keying? {
            switch self {
            case .initiator(let machine): machine.keying
            case .responder(let machine): machine.keying
            }
        }

        var negotiated: NegotiatedPhase1? {
            switch self {
            case .initiator(let machine): machine.negotiated
            case .responder(let machine): machine.negotiated
            }
        }
    }

    /// The SA's stable name in the engine's tables (cookies change, this does not).
    let handle: SAHandle
    let role: Role
    let initiatorCookie: Cookie
    /// Zero until the responder's first answer (initiator); learned only by `IKEEngine.receive`.
    var responderCookie: Cookie
    /// Our end and the peer's: changed only by `IKEEngine.moveEndpoints` (NAT-T port floating, a
    /// peer's new NAT mapping), which keeps the engine's indexes right.
    private(set) var local: Endpoint
    private(set) var remote: Endpoint
    let rule: IKERule
    var state: State {
        didSet { dirty.mark(.phase1(handle)) }
    }
    let created: EngineInstant
    var established: EngineInstant?
    /// negotiationExpiry, lifetime, responderLifetime (Phase1Timer).
    var deadlines = Deadlines<Phase1Timer>() {
        didSet { dirty.mark(.phase1(handle)) }
    }
    /// Every exchange's retransmission, cached answers and message IDs.
    var driver = ExchangeDriver() {
        didSet { dirty.mark(.phase1(handle)) }
    }
    /// When the ISAKMP SA's lifetime ends.
    var expires: EngineInstant? { deadlines[.lifetime] }
    /// Where the engine hears that a deadline of this SA changed.
    let dirty: DirtyDeadlines

    /// When the peer last sent a message that verified under this SA: a Quick Mode that goes
    /// unanswered with nothing heard since it began means the peer lost the SA (it restarted).
    var lastHeard: EngineInstant?

    /// A protected message from the peer verified: it is alive, and it has processed MM6.
    func heard(at now: EngineInstant) { lastHeard = now }

    var counters = Phase1Counters()

    /// The vendor IDs the peer sent in Main Mode (at most 32 kept), for `ikeadm dump p1`.
    var peerVendorIDs: [[UInt8]] = []
    /// The identity the peer proved in MM5 or MM6 (`ikeadm dump p1` REMID:).
    var peerIdentity: IdentificationPayload?
    /// The identity we presented in MM5 or MM6 (`ikeadm dump p1` LOCID:).
    var ourIdentity: IdentificationPayload?
    /// The peer announced IKEv1 fragmentation: our messages too large for the path go in fragments.
    var peerSupportsFragmentation = false
    /// The message the peer is sending in fragments, until it is whole.
    var reassembly: FragmentReassembly?
    var nextFragmentID: UInt16 = 0
    /// The peer's MM3 or MM4 asked for our certificate (CR).
    var peerRequestedCertificate = false
    /// The certificate the peer authenticated with (signature methods).
    var peerCertificate: VerifiedPeer?
    /// The peer's MM5 or MM6 while its signature check runs: accepted (retransmissions stopped, the
    /// peer followed) only when the check passes.
    var messageAwaitingCheck: (ISAKMPMessage, Datagram)?
    /// The peer's MM5 or MM6 carried INITIAL-CONTACT (acted on once established).
    var peerSentInitialContact = false
    /// RFC 3947 state, once both ends announced NAT traversal.
    var natTraversal: NATTraversal?
    /// RFC 3706 state, once established with a peer that announced DPD (and DPD is on).
    var dpd: DeadPeerDetection?

    var quickModes: [UInt32: QuickModeExchange] = [:] {
        didSet { dirty.mark(.phase1(handle)) }
    }
    /// Acquires waiting for this SA to be established.
    var waiting: [AcquireRequest] = []

    init(handle: SAHandle, dirty: DirtyDeadlines, role: Role, initiatorCookie: Cookie, responderCookie: Cookie, local: Endpoint, remote: Endpoint,
         rule: IKERule, mainMode: MainMode, now: EngineInstant) {
        self.handle = handle
        self.dirty = dirty
        self.role = role
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
        self.local = local
        self.remote = remote
        self.rule = rule
        self.state = .negotiating(mainMode)
        self.created = now
    }

    var cookies: CookiePair { CookiePair(initiator: initiatorCookie, responder: responderCookie) }

    /// Sets both endpoints (the engine's `moveEndpoints` is the only caller).
    func setEndpoints(local: Endpoint, remote: Endpoint) {
        self.local = local
        self.remote = remote
    }

    /// The keys: once established, or from Main Mode's keyed states (a notify under them may arrive).
    var keying: Phase1Keying? {
        switch state {
        case .negotiating(let mainMode): mainMode.keying
        case .established(let keying): keying
        case .dead: nil
        }
    }

    /// What was agreed, once the responder chose.
    var negotiated: NegotiatedPhase1? {
        switch state {
        case .negotiating(let mainMode): mainMode.negotiated
        case .established(let keying): keying.negotiated
        case .dead: nil
        }
    }

    /// The keys of an established SA (nil before and after).
    var establishedKeying: Phase1Keying? {
        switch state {
        case .established(let keying): keying
        case .negotiating, .dead: nil
        }
    }

    var isEstablished: Bool { establishedKeying != nil }

    var isDead: Bool {
        switch state {
        case .dead: true
        case .negotiating, .established: false
        }
    }

    /// The pre-shared key, for keymat-privileged views.
    var presharedKey: SecretBytes? { keying?.authenticator.presharedKey }

    /// The earliest deadline of the SA and its exchanges (nil when dead: nothing is due any more).
    var earliestDeadline: EngineInstant? {
        guard !isDead else { return nil }
        var earliest = [driver.earliestDeadline, deadlines.earliest].compactMap { $0 }.min()
        for exchange in quickModes.values {
            if let instant = exchange.deadlines.earliest, earliest.map({ instant < $0 }) ?? true { earliest = instant }
        }
        return earliest
    }

    func header(_ exchange: ExchangeType, messageID: UInt32 = 0, flags: HeaderFlags = []) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: initiatorCookie, responderCookie: responderCookie, exchangeType: exchange, flags: flags, messageID: messageID)
    }
}

/// Both cookies: the key of an ISAKMP SA.
struct CookiePair: Hashable, Sendable {
    var initiator: Cookie
    var responder: Cookie
}
