import IKEConfig
import IPsecTypes
import ISAKMP

extension IKEEngine {
    /// The kernel (or `ikeadm initiate`) wants SAs: reuse an established Phase 1 SA with the peer, join
    /// one being negotiated, or start Main Mode.
    func acquire(_ request: AcquireRequest) {
        guard let rule = settings.rules.rule(local: request.localAddress, remote: request.remoteAddress) else {
            log(.warning, .policy, "no ike.config rule covers \(request.localAddress) -> \(request.remoteAddress)")
            return
        }
        let candidates = phase1.between(local: request.localAddress, remote: request.remoteAddress).filter { !$0.isDead }
        if let established = candidates.filter(\.isEstablished).max(by: { ($0.established ?? .zero) < ($1.established ?? .zero) }) {
            startQuickMode(established, request: request)
        } else if let negotiating = candidates.first(where: { $0.role == .initiator }) {
            negotiating.waiting.append(request)
        } else {
            startMainMode(rule: rule, local: Endpoint(address: request.localAddress, port: settings.localPort),
                          remote: Endpoint(address: request.remoteAddress, port: settings.peerPort), waiting: request)
        }
    }
}
