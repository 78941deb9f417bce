import ISAKMP

/// Keeps the identity the peer proved in MM5 (we respond) or MM6 (we initiate), which `ikeadm dump
/// p1` shows as REMID:. The exchange has checked it against the key before contributors read it.
struct PeerIdentityContributor: MainModeContributor {
    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload] { [] }

    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) {
        guard message == .mm5 || message == .mm6 else { return }
        for payload in payloads {
            if case .identification(let identity) = payload.content { sa.peerIdentity = identity }
        }
    }
}
