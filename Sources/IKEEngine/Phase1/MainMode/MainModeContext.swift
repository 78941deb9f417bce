import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// What a Main Mode step may read or ask for: the SA's fixed facts and the engine's services, made
/// fresh for every step (the responder cookie arrives with MM2).
struct MainModeContext {
    let cookies: CookiePair
    let local: Endpoint
    let remote: Endpoint
    let rule: IKERule
    let settings: EngineSettings
    let random: any RandomSource
    /// Whether another modular exponentiation for a peer that has not authenticated fits the limit.
    let unauthenticatedComputeRoom: Bool
    /// NAT-D showed the peer behind a NAT (its address identity is then its private address).
    var peerBehindNAT = false

    func header(flags: HeaderFlags = []) -> ISAKMPHeader {
        ISAKMPHeader(initiatorCookie: cookies.initiator, responderCookie: cookies.responder, exchangeType: .identityProtection, flags: flags)
    }

    func nonce() -> [UInt8] { random.bytes(settings.phase1NonceLength) }

    /// The ID payload we present: the authenticator's (taken from our certificate), else our IKE
    /// address (local_id_type ip is what pre-shared rules use).
    func ourIdentity(_ authenticator: any Phase1Authenticator) -> Payload {
        if let identity = authenticator.identity { return Payload(.identification(identity)) }
        let type: IdentificationType = local.address.isIPv4 ? .ipv4Address : .ipv6Address
        return Payload(.identification(IdentificationPayload(idType: type, protocolID: 0, port: 0, data: local.address.bytes)))
    }

    /// The authenticator for the negotiated method, or the failure: no key for the pair, or a method
    /// without an implementation. `notify` is what a responder tells the peer.
    func authenticator(for method: AuthenticationMethod, notify: NotifyMessageType?) -> Result<any Phase1Authenticator, Phase1Failure> {
        switch Phase1Authenticators.make(method, local: local, remote: remote, rule: rule, settings: settings) {
        case .success(let authenticator): .success(authenticator)
        case .failure(.missingKey):
            .failure(Phase1Failure(.missingKey, "no pre-shared key for \(local.address) -> \(remote.address) in ike.preshared", notify: notify))
        case .failure(.missingCertificate(let why)):
            .failure(Phase1Failure(.missingCredentials, why, notify: notify))
        case .failure(.notImplemented):
            .failure(Phase1Failure(.noProposal, "\(method) authentication is not implemented", notify: notify))
        }
    }
}

extension ISAKMPMessage {
    /// An error notify in a cleartext message: the peer's refusal before Phase 1 completes.
    var clearErrorNotify: NotifyMessageType? {
        guard header.exchangeType == .informational || !header.flags.contains(.encryption) else { return nil }
        for payload in payloads {
            if case .notification(let notify) = payload.content, notify.type.isError { return notify.type }
        }
        return nil
    }
}
