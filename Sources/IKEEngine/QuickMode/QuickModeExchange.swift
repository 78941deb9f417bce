import IKECrypto
import IPsecTypes
import ISAKMP

/// The IPsec SA parameters both sides agreed on in one Quick Mode.
struct NegotiatedPhase2: Equatable, Sendable {
    var protocolID: SecurityProtocol
    var encryption: ESPTransformID?
    /// Cipher key length in bits (0 for NULL or AH).
    var keyBits: Int
    var integrity: IPsecAuthAlgorithm?
    var mode: IPsecMode
    var group: DHGroup?
    var lifetimeSeconds: UInt32
    var lifetimeKilobytes: UInt32
}

/// One Quick Mode exchange (RFC 2409 §5.5) on a Phase 1 SA.
final class QuickModeExchange {
    enum Role { case initiator, responder }

    /// Where the exchange stands.
    enum State: Equatable {
        /// Initiator: waiting for our PFS key before sending QM1.
        case initiatorComputingKey
        /// Initiator: QM1 sent, waiting for QM2.
        case initiatorSentProposal
        /// Initiator: QM2 received, PFS g^xy computing.
        case initiatorComputing
        /// Responder: QM1 received, PFS key and g^xy computing.
        case responderComputing
        /// Responder: QM2 sent, waiting for QM3.
        case responderSentProposal
        /// SAs installed (initiator keeps answering a repeated QM2 with QM3).
        case done
        case failed
    }

    let messageID: UInt32
    let role: Role
    var state: State {
        didSet {
            // A finished exchange has nothing left to expire.
            if state == .done || state == .failed { deadlines[.expiry] = nil }
            owner.dirty.mark(.phase1(owner.handle))
        }
    }
    let created: EngineInstant
    /// The Phase 1 SA this exchange runs on, whose deadline entry covers the exchange's timers.
    let owner: (dirty: DirtyDeadlines, handle: SAHandle)
    var deadlines = Deadlines<QuickModeTimer>() {
        didSet { owner.dirty.mark(.phase1(owner.handle)) }
    }
    /// Traffic from our side's view.
    var selector: TrafficSelector
    var mode: IPsecMode
    var pfsGroup: DHGroup?
    var ourKey: DHPrivateKey?
    var pfsSecret: SecretBytes?
    var peerPublicValue: [UInt8] = []
    let ourSPI: UInt32
    var peerSPI: UInt32?
    var initiatorNonce: [UInt8] = []
    var responderNonce: [UInt8] = []
    /// Initiator: our SA offer; responder: the chosen proposal we answer with.
    var offer: SecurityAssociationPayload?
    var negotiated: NegotiatedPhase2?
    /// IDci and IDcr as sent (initiator) or received (responder), echoed in QM2.
    var identities: [Payload] = []
    /// The peer's QM1 payloads while the responder computes.
    var responderLifetimeNotify: Payload?
    var commitRequested = false
    /// Initiator: the responder set the commit bit; the SAs wait for its CONNECTED notify (RFC 2408 §3.1).
    var awaitingConnected = false
    var slot = ExchangeSlot() {
        didSet { owner.dirty.mark(.phase1(owner.handle)) }
    }
    /// The acquire this exchange serves (initiator) — a rekey keeps the same one.
    let request: AcquireRequest?

    init(on sa: Phase1SA, messageID: UInt32, role: Role, state: State, now: EngineInstant, expireTimer: Double, selector: TrafficSelector, mode: IPsecMode,
         ourSPI: UInt32, request: AcquireRequest?) {
        self.owner = (sa.dirty, sa.handle)
        self.messageID = messageID
        self.role = role
        self.state = state
        self.created = now
        self.selector = selector
        self.mode = mode
        self.ourSPI = ourSPI
        self.request = request
        deadlines[.expiry] = now.adding(seconds: expireTimer)
    }
}
