import IKECrypto
import IPsecTypes

/// IKEEngine negotiates IKEv1 without doing any I/O: it takes events (datagrams, kernel requests,
/// results of heavy crypto, deadlines, administrator commands) with the current time and returns the
/// effects the runtime carries out in order (send, install or delete SAs, compute, log). Clock and
/// randomness are arguments, so every exchange runs the same in tests, simulations and the daemon.

/// A point in time on the engine's clock (nanoseconds since an arbitrary origin).
public struct EngineInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64
    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public static let zero = EngineInstant(nanoseconds: 0)

    public static func < (lhs: EngineInstant, rhs: EngineInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// This instant plus `seconds`.
    public func adding(seconds: Double) -> EngineInstant {
        EngineInstant(nanoseconds: nanoseconds &+ Int64(seconds * 1_000_000_000))
    }

    /// Seconds from `other` to this instant.
    public func seconds(since other: EngineInstant) -> Double { Double(nanoseconds &- other.nanoseconds) / 1_000_000_000 }

    public var description: String { "\(Double(nanoseconds) / 1_000_000_000)s" }
}

/// A UDP datagram with both endpoints.
public struct Datagram: Sendable, Equatable {
    public var bytes: [UInt8]
    public var local: Endpoint
    public var remote: Endpoint

    public init(bytes: [UInt8], local: Endpoint, remote: Endpoint) {
        self.bytes = bytes
        self.local = local
        self.remote = remote
    }
}

/// Modular exponentiations, scalar multiplications, signatures and certificate checks, run by the
/// runtime off the event loop.
public enum ComputeJob: Sendable {
    case generateKey(DHGroup)
    case agree(DHPrivateKey, peerPublicValue: [UInt8])
    case generateAndAgree(DHGroup, peerPublicValue: [UInt8])
    /// Checks the peer's certificate and signature (if given), then — only if that succeeded —
    /// signs our hash (if given): the initiator signs MM5 and checks MM6, the responder does both
    /// for MM5 in one job.
    case authenticate(PeerSignatureCheck?, SigningRequest?)

    /// Runs the job (on whatever thread the runtime chooses).
    public func run(exponentLength: DHExponentLength = .short) -> ComputeResult {
        do {
            switch self {
            case .generateKey(let group):
                return .key(try DHPrivateKey.generate(group, exponentLength: exponentLength))
            case .agree(let key, let peer):
                return .keyAndSecret(key, try key.sharedSecret(withPeer: peer))
            case .generateAndAgree(let group, let peer):
                let key = try DHPrivateKey.generate(group, exponentLength: exponentLength)
                return .keyAndSecret(key, try key.sharedSecret(withPeer: peer))
            case .authenticate(let check, let signing):
                let outcome = check?.run()
                if case .refused? = outcome { return .authenticated(outcome, signature: nil) }
                return .authenticated(outcome, signature: try signing.map { request throws(CryptoError) in try request.signer.sign(request.hash) })
            }
        } catch {
            return .failed(error)
        }
    }
}

/// Whose work a compute job is.
public enum ComputePriority: Sendable, Equatable {
    /// For an authenticated peer, or a negotiation we started.
    case established
    /// For a peer that has only shown it receives at its address (a responder's Main Mode after MM3):
    /// bounded by the engine, and served after established work.
    case unauthenticated
}

/// The result of a `ComputeJob`.
public enum ComputeResult: Sendable {
    case key(DHPrivateKey)
    case keyAndSecret(DHPrivateKey, SecretBytes)
    /// The peer's check (when one was asked for) and our signature (when asked for and the check passed).
    case authenticated(PeerCheckOutcome?, signature: [UInt8]?)
    case failed(CryptoError)
}

/// What a kernel (or an administrator's `initiate`) asks for: an SA pair for traffic between two
/// addresses, under a policy entry.
public struct AcquireRequest: Sendable, Equatable {
    /// Our IKE address and the peer's.
    public var localAddress: IPAddress
    public var remoteAddress: IPAddress
    /// The traffic that needs protection (for transport mode, the two IKE addresses).
    public var selector: TrafficSelector

    public init(localAddress: IPAddress, remoteAddress: IPAddress, selector: TrafficSelector? = nil) {
        self.localAddress = localAddress
        self.remoteAddress = remoteAddress
        self.selector = selector ?? TrafficSelector(local: AddressRange(localAddress), remote: AddressRange(remoteAddress))
    }
}

/// Everything that can happen to the engine.
public enum EngineEvent: Sendable {
    case datagram(Datagram)
    case acquire(AcquireRequest)
    /// A compute job's result, with the token the `compute` effect carried.
    case computed(token: UInt64, ComputeResult)
    /// The kernel expired an SA (soft: rekey; hard: gone).
    case expired(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress, hard: Bool)
    /// Time passed; deadlines up to now are due.
    case tick
    case deleteIPsecSAs(peer: IPAddress)
    case deletePhase1(initiatorCookie: UInt64, responderCookie: UInt64)
    /// The kernel refused the SA pair whose inbound SPI this is (the port removed what it had added).
    case installFailed(inboundSPI: UInt32, reason: String)
    /// The kernel decrypted ESP for our inbound SA `inboundSPI` from a new UDP source (its NAT
    /// mapping changed; XFRM_MSG_MAPPING): the peer is now at `peer`.
    case natMappingChanged(inboundSPI: UInt32, destination: IPAddress, peer: Endpoint)
    /// Every SA in the kernel is gone (an administrator's flush).
    case kernelFlushed
    /// The daemon stops: every SA is deleted and every peer told.
    case shutdown
}

/// Everything the engine asks the runtime to do.
public enum EngineEffect: Sendable {
    case send(Datagram)
    /// Run `job` off the loop and hand back its result with `token`; `priority` says whose work it is,
    /// so a runtime under load serves authenticated peers first.
    case compute(token: UInt64, ComputeJob, priority: ComputePriority)
    /// Install both directions of a negotiated SA.
    case installSAs(inbound: IPsecSA, outbound: IPsecSA)
    /// A UDP-encapsulated pair's peer moved (its NAT mapping changed): the same SAs (SPIs, keys) with
    /// new encapsulation ports and, if the peer's address changed, a new outbound destination.
    case updateSAs(inbound: IPsecSA, outbound: IPsecSA, previousOutboundDestination: IPAddress)
    /// Remove an SA (by SPI, protocol and destination address, as kernels key them).
    case deleteSA(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress)
    case log(EngineLog)
}

/// A log record with its Solaris debug category (spec §4.4).
public struct EngineLog: Sendable, Equatable, CustomStringConvertible {
    public enum Category: String, Sendable {
        case operational = "op", phase1 = "p1", phase2 = "p2", policy = "pol", proposal = "prop", key
    }
    public enum Level: Sendable, Comparable { case debug, info, warning, error }

    public var level: Level
    public var category: Category
    public var message: String

    public var description: String { "[\(category.rawValue)] \(message)" }
}
