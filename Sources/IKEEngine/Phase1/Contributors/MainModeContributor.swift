import ISAKMP

/// The six messages of Main Mode, as contributors see them.
enum MainModeMessage: CaseIterable {
    case mm1, mm2, mm3, mm4, mm5, mm6
}

/// A side concern of Main Mode that adds payloads to our messages and reads the peer's, instead of
/// a branch inside the exchange (STYLE §3.5): vendor IDs, NAT traversal and INITIAL-CONTACT
/// and certificate requests. Contributors run in a fixed order around every Main Mode message.
protocol MainModeContributor: Sendable {
    /// Payloads to append to our `message` on `sa`.
    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload]
    /// Reads the peer's `message` (decrypted, for MM5/MM6) after the exchange accepted it.
    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine)
}

extension IKEEngine {
    /// The contributors, in the order they add payloads.
    static let mainModeContributors: [any MainModeContributor] = [VendorIDContributor(), NATTraversalContributor(), FragmentationContributor(), CertificateRequestContributor(), InitialContactContributor(), PeerIdentityContributor()]

    func contributions(for message: MainModeMessage, on sa: Phase1SA) -> [Payload] {
        Self.mainModeContributors.flatMap { $0.payloads(for: message, on: sa, engine: self) }
    }

    func contributorsReceived(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA) {
        for contributor in Self.mainModeContributors { contributor.received(payloads, in: message, on: sa, engine: self) }
    }
}
