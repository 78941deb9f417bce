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
    /// ESP in UDP (RFC 3948): a UDP-Encapsulated-Tunnel or -Transport mode, in RFC 3947's numbers or
    /// the drafts'.
    var udpEncapsulated = false
}

/// One Quick Mode exchange on a Phase 1 SA: its fixed facts and its machine in our role.
final class QuickModeExchange {
    /// Quick Mode in our role (STYLE §3.1).
    enum Machine {
        case initiator(QuickModeInitiator)
        case responder(QuickModeResponder)
    }

    /// What a step takes: a decrypted message with its HASH, a PFS result, or CONNECTED.
    enum Input {
        case message(ISAKMPMessage, [Payload], hash: [UInt8])
        case computed(ComputeResult)
        case connected
    }

    /// Runs one step of the machine in our role.
    func step(_ input: Input, _ context: QuickModeContext) -> [QuickModeAction] {
        switch (machine, input) {
        case (.initiator(var initiator), .message(let message, let payloads, let hash)):
            defer { machine = .initiator(initiator) }
            return initiator.received(message, payloads, hash: hash, context)
        case (.initiator(var initiator), .computed(let result)):
            defer { machine = .initiator(initiator) }
            return initiator.computed(result, context)
        case (.initiator(var initiator), .connected):
            defer { machine = .initiator(initiator) }
            return initiator.connected()
        case (.responder(var responder), .message(let message, _, let hash)):
            defer { machine = .responder(responder) }
            return responder.received(message, hash: hash, context)
        case (.responder(var responder), .computed(let result)):
            defer { machine = .responder(responder) }
            return responder.computed(result, context)
        case (.responder, .connected):
            // CONNECTED is for the initiator of a committed exchange.
            return []
        }
    }

    let messageID: UInt32
    let created: EngineInstant
    /// The Phase 1 SA this exchange runs on, whose deadline entry covers the exchange's timers.
    let owner: (dirty: DirtyDeadlines, handle: SAHandle)
    /// Traffic from our side's view.
    let selector: TrafficSelector
    let ourSPI: UInt32
    /// The acquire this exchange serves (initiator); a rekey keeps the same one.
    let request: AcquireRequest?
    var machine: Machine {
        didSet {
            // A finished exchange has nothing left to expire.
            if isFinished { deadlines[.expiry] = nil }
            owner.dirty.mark(.phase1(owner.handle))
        }
    }
    var deadlines = Deadlines<QuickModeTimer>() {
        didSet { owner.dirty.mark(.phase1(owner.handle)) }
    }

    init(on sa: Phase1SA, messageID: UInt32, machine: Machine, now: EngineInstant, expireTimer: Double, selector: TrafficSelector, ourSPI: UInt32,
         request: AcquireRequest?) {
        self.owner = (sa.dirty, sa.handle)
        self.messageID = messageID
        self.machine = machine
        self.created = now
        self.selector = selector
        self.ourSPI = ourSPI
        self.request = request
        deadlines[.expiry] = now.adding(seconds: expireTimer)
    }

    var isInitiator: Bool {
        switch machine {
        case .initiator: true
        case .responder: false
        }
    }

    /// SAs installed, or failed.
    var isFinished: Bool {
        switch machine {
        case .initiator(let machine): machine.isFinished
        case .responder(let machine): machine.isFinished
        }
    }

    /// Our initiator machine, when we initiated.
    var initiator: QuickModeInitiator? {
        switch machine {
        case .initiator(let machine): machine
        case .responder: nil
        }
    }

    func fail() {
        switch machine {
        case .initiator(var machine):
            machine.fail()
            self.machine = .initiator(machine)
        case .responder(var machine):
            machine.fail()
            self.machine = .responder(machine)
        }
    }
}
