/// The deadlines of one SA or exchange: a fixed table keyed by what each one is for (STYLE §1.3).
/// No closures are scheduled: the engine reads the earliest entry into its `DeadlineQueue`.
struct Deadlines<Kind: CaseIterable & Hashable> {
    private var table: [Kind: EngineInstant] = [:]

    subscript(kind: Kind) -> EngineInstant? {
        get { table[kind] }
        set { table[kind] = newValue }
    }

    /// The earliest armed deadline.
    var earliest: EngineInstant? { table.values.min() }

    /// The kinds due at `now`, in the order of `Kind.allCases`.
    func due(at now: EngineInstant) -> [Kind] { Kind.allCases.filter { table[$0].map { $0 <= now } ?? false } }
}

/// A Phase 1 SA's timers (Main Mode's retransmission timer lives in its exchange slot).
enum Phase1Timer: CaseIterable, Hashable {
    /// expire_timer: a negotiation not complete by then fails.
    case negotiationExpiry
    /// The ISAKMP SA's lifetime: deleted (and the peer told) then.
    case lifetime
    /// RESPONDER-LIFETIME owed to the initiator at the latest by then.
    case responderLifetime
    /// Dead Peer Detection: look whether the peer has been quiet for dpd_interval.
    case deadPeerDetection
    /// NAT keepalive (RFC 3948 §2.3) from behind a NAT, every nat_keepalive seconds.
    case natKeepalive
}

/// A Quick Mode exchange's timers (retransmission in its slot).
enum QuickModeTimer: CaseIterable, Hashable {
    /// expire_timer: an exchange not complete by then fails.
    case expiry
}

/// An installed IPsec SA pair's timers.
enum IPsecTimer: CaseIterable, Hashable {
    /// Rekey (the pair's initiator only), once.
    case softLifetime
    /// Delete, with a Delete to the peer.
    case hardLifetime
    /// p2_idletime_secs: look at the kernel's counters.
    case idleCheck
}
