import IPsecTypes
import ISAKMP

/// Certificate requests (RFC 2408 §3.10, RFC 4945 §3.2) in MM3 and MM4 when the negotiated method
/// signs: one CR per `cert_root` CA, naming its subject DN, or one without a name when no CA is
/// configured (any certificate will do). Peers such as strongSwan and Libreswan send their
/// certificate only when asked. We send ours (with its chain) in MM5/MM6 whether asked or not, so
/// the peer's requests are only recorded.
struct CertificateRequestContributor: MainModeContributor {
    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload] {
        guard message == .mm3 || message == .mm4, let method = sa.negotiated?.authenticationMethod, method.signs else { return [] }
        let authorities = engine.settings.credentials.authorities
        guard !authorities.isEmpty else { return [Payload(.certificateRequest(CertificateRequestPayload(encoding: .x509Signature, authority: [])))] }
        return authorities.map { Payload(.certificateRequest(CertificateRequestPayload(encoding: .x509Signature, authority: $0.subjectDER))) }
    }

    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) {
        guard message == .mm3 || message == .mm4 else { return }
        sa.peerRequestedCertificate = payloads.contains { $0.type == .certificateRequest }
    }
}

extension AuthenticationMethod {
    /// RSA or DSS signatures: the methods that carry certificates.
    var signs: Bool { self == .rsaSignature || self == .dssSignature }
}
