import IPsecTypes
import ISAKMP

/// The responder's RESPONDER-LIFETIME for the ISAKMP SA (RFC 2407 §4.6.3.1), when it shortened the
/// initiator's offer. It is sent protected, once, after the initiator's first protected message
/// following MM6, or `responderLifetimeDelay` after MM6 if none comes: sent right after MM6, a peer
/// that processes messages on several threads (strongSwan's charon) may decrypt it before MM6 with
/// the wrong IV and keep its longer lifetime.
extension IKEEngine {
    /// How long the notify waits for the initiator's first protected message, in seconds.
    static let responderLifetimeDelay = 1.0

    /// Sends the notify if it is still owed.
    func sendResponderLifetimeIfDue(_ sa: Phase1SA) {
        guard sa.deadlines[.responderLifetime] != nil, let negotiated = sa.establishedKeying?.negotiated else { return }
        sa.deadlines[.responderLifetime] = nil
        var writer = ByteWriter()
        DataAttribute.basic(Phase1AttributeType.lifeType.rawValue, LifeType.seconds.rawValue).encode(into: &writer)
        DataAttribute.integer(Phase1AttributeType.lifeDuration.rawValue, negotiated.lifetimeSeconds).encode(into: &writer)
        sendInformational(sa, [Payload(.notification(NotificationPayload(protocolID: .isakmp, type: .responderLifetime,
                                                                         spi: sa.initiatorCookie.bytes + sa.responderCookie.bytes, data: writer.bytes)))])
        log(.info, .phase1, "told \(sa.remote) that Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) lives \(negotiated.lifetimeSeconds) s")
    }
}

extension IKEEngine {
    /// A protected message from the peer of `sa` verified.
    func heardFrom(_ sa: Phase1SA) {
        sa.heard(at: now)
        sendResponderLifetimeIfDue(sa)
    }
}
