import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// One ISAKMP SA (Phase 1) and the exchanges it protects.
final class Phase1SA {
    enum Role: String { case initiator, responder }

    /// Where Main Mode stands. The comment says what has been sent and received.
    enum State: Equatable {
        /// Initiator: MM1 (SA) sent; our DH key may still be computing.
        case initiatorSentSA
        /// Initiator: MM3 (KE, Ni) sent.
        case initiatorSentKE
        /// Initiator: MM4 received, g^xy computing.
        case initiatorComputing
        /// Initiator: MM5 (IDii, HASH_I) sent.
        case initiatorSentAuth
        /// Responder: MM2 (SA) sent; no DH key yet (it is made when MM3 arrives).
        case responderSentSA
        /// Responder: MM3 received, our DH key and g^xy computing.
        case responderComputing
        /// Responder: MM4 (KE, Nr) sent, waiting for MM5.
        case responderSentKE
        /// Both: authenticated; Quick Mode and Informational can run.
        case established
        /// Deleted or failed; kept only until the engine drops it.
        case dead
    }

    /// The SA's stable name in the engine's tables (cookies change, this does not).
    let handle: SAHandle
    let role: Role
    let initiatorCookie: Cookie
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
    /// When the ISAKMP SA's lifetime ends.
    var expires: EngineInstant? { deadlines[.lifetime] }
    /// Where the engine hears that a deadline of this SA changed.
    let dirty: DirtyDeadlines

    /// When the peer last sent a message that verified under this SA: a Quick Mode that goes
    /// unanswered with nothing heard since it began means the peer lost the SA (it restarted).
    var lastHeard: EngineInstant?

    /// A protected message from the peer verified: it is alive, and it has processed MM6.
    func heard(at now: EngineInstant) { lastHeard = now }

    var negotiated: NegotiatedPhase1?
    var counters = Phase1Counters()
    /// The initiator's SA payload body (SAi_b), hashed into HASH_I and HASH_R.
    var initiatorSABody: [UInt8] = []
    var ourKey: DHPrivateKey?
    var peerPublicValue: [UInt8] = []
    var initiatorNonce: [UInt8] = []
    var responderNonce: [UInt8] = []
    var keys: Phase1KeySchedule?
    var protection: MessageProtection?
    /// Initiator: MM2 arrived while our DH key was still being computed.
    var waitingForKey = false
    /// The group of the DH key being computed (a responder may pick another group than our first).
    var keyGroupRequested: DHGroup?
    /// The authentication method's side of this SA, chosen with the proposal (Phase1Authenticator).
    var authenticator: (any Phase1Authenticator)?
    /// The pre-shared key, for keymat-privileged views.
    var presharedKey: SecretBytes? { authenticator?.presharedKey }
    /// Responder: the peer offered a longer lifetime than ours; we tell it once Phase 1 is up.
    var shortenedLifetime = false


    /// The vendor IDs the peer sent in Main Mode (at most 32 kept), for `ikeadm dump p1`.
    var peerVendorIDs: [[UInt8]] = []
    /// The peer's MM5 or MM6 carried INITIAL-CONTACT (acted on once established).
    var peerSentInitialContact = false

    var mainMode = ExchangeSlot() {
        didSet { dirty.mark(.phase1(handle)) }
    }
    var quickModes: [UInt32: QuickModeExchange] = [:] {
        didSet { dirty.mark(.phase1(handle)) }
    }
    /// Message IDs used on this SA (RFC 2408 §3.1: unique per SA).
    var messageIDs: Set<UInt32> = []
    /// Acquires waiting for this SA to be established.
    var waiting: [AcquireRequest] = []

    init(handle: SAHandle, dirty: DirtyDeadlines, role: Role, initiatorCookie: Cookie, responderCookie: Cookie, local: Endpoint, remote: Endpoint,
         rule: IKERule, state: State, now: EngineInstant) {
        self.handle = handle
        self.dirty = dirty
        self.role = role
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
        self.local = local
        self.remote = remote
        self.rule = rule
        self.state = state
        self.created = now
    }

    var cookies: CookiePair { CookiePair(initiator: initiatorCookie, responder: responderCookie) }

    /// Sets both endpoints (the engine's `moveEndpoints` is the only caller).
    func setEndpoints(local: Endpoint, remote: Endpoint) {
        self.local = local
        self.remote = remote
    }

    /// The earliest deadline of the SA and its exchanges (nil when dead: nothing is due any more).
    var earliestDeadline: EngineInstant? {
        guard state != .dead else { return nil }
        var earliest = [mainMode.deadline, deadlines.earliest].compactMap { $0 }.min()
        for exchange in quickModes.values {
            if let instant = [exchange.slot.deadline, exchange.deadlines.earliest].compactMap({ $0 }).min(), earliest.map({ instant < $0 }) ?? true {
                earliest = instant
            }
        }
        return earliest
    }
    var isEstablished: Bool { state == .established }

    /// Our public value and the peer's, in initiator/responder order.
    var initiatorPublic: [UInt8] { role == .initiator ? ourKey?.publicValue ?? [] : peerPublicValue }
    var responderPublic: [UInt8] { role == .responder ? ourKey?.publicValue ?? [] : peerPublicValue }

    func header(_ exchange: ExchangeType, messageID: UInt32 = 0, flags: HeaderFlags = []) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: initiatorCookie, responderCookie: responderCookie, exchangeType: exchange, flags: flags, messageID: messageID)
    }
}

/// Both cookies: the key of an ISAKMP SA.
struct CookiePair: Hashable, Sendable {
    var initiator: Cookie
    var responder: Cookie
}
