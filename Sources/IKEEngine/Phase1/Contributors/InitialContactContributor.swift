import ISAKMP

/// INITIAL-CONTACT (RFC 2407 §4.6.3.3): sent in MM5 when we hold no other Phase 1 SA with the peer,
/// so it drops what it still holds from an earlier life of ours; received, it is acted on once the
/// SA is established (the engine's `forgetEarlierSAs`), since only then is it authenticated.
struct InitialContactContributor: MainModeContributor {
    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload] {
        guard message == .mm5, engine.isFirstContact(with: sa.remote.address, except: sa) else { return [] }
        return [Payload(.notification(NotificationPayload(protocolID: .isakmp, type: .initialContact, spi: sa.initiatorCookie.bytes + sa.responderCookie.bytes)))]
    }

    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) {
        guard message == .mm5 || message == .mm6 else { return }
        let initialContact = payloads.contains { if case .notification(let notify) = $0.content { notify.type == .initialContact } else { false } }
        if initialContact { sa.peerSentInitialContact = true }
    }
}
