import ISAKMP

/// What a Main Mode step asks the engine to do, in order (STYLE §2.4): the machine decides, the
/// engine carries out.
enum MainModeAction {
    /// The peer's message was accepted: the driver stops retransmitting and remembers it for
    /// repeats; contributors read its payloads (decrypted, for MM5 and MM6).
    case accepted(MainModeMessage, [Payload])
    /// Send our `message`: these payloads, then the contributors' (STYLE §3.5), sealed with the
    /// keys when given (MM5, MM6).
    case send(MainModeMessage, [Payload], Delivery, sealedWith: Phase1Keying?)
    /// Diffie-Hellman off the loop; the result comes back to the same machine.
    case compute(ComputeJob, ComputePriority)
    /// The peer's message was taken, but its check runs as a compute job: the engine keeps the
    /// datagram so that the `accepted` after the check can stop retransmissions and follow the peer.
    case awaitsCheck
    /// The peer authenticated with this certificate (`ikeadm dump p1` shows its subject).
    case peerAuthenticated(VerifiedPeer)
    /// Authenticated: the SA moves to established with these keys.
    case established(Phase1Keying)
    /// The exchange cannot go on: the SA is removed, the notify (if any) sent in the clear.
    case failed(Phase1Failure)
    /// Responder: we shortened the initiator's lifetime; RESPONDER-LIFETIME is owed once established.
    case owesResponderLifetime
    /// The message is dropped and counted; the state is as before.
    case dropped(Dropped)
    /// An operational log line worth one record per negotiation.
    case note(String)
}

/// Why a Phase 1 negotiation ends, what it is counted as, and what the peer is told.
struct Phase1Failure: Error, Equatable {
    var reason: Phase1FailureReason
    var message: String
    /// Sent unprotected before failing (RFC 2408 §5: errors before Phase 1 completes go in the clear).
    var notify: NotifyMessageType?

    init(_ reason: Phase1FailureReason, _ message: String, notify: NotifyMessageType? = nil) {
        self.reason = reason
        self.message = message
        self.notify = notify
    }
}
