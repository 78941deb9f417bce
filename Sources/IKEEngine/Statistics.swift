/// Counters the engine keeps (ikeadm `get stats` prints them the Solaris way).
public struct EngineStatistics: Sendable, Equatable {
    public var phase1CurrentInitiator = 0
    public var phase1CurrentResponder = 0
    public var phase1TotalInitiator = 0
    public var phase1TotalResponder = 0
    public var phase1AttemptedInitiator = 0
    public var phase1AttemptedResponder = 0
    public var phase1FailedInitiator = 0
    public var phase1FailedResponder = 0
    /// Initiator failures that were time-outs (no answer).
    public var phase1InitiatorTimeouts = 0
    /// Failures of either role by reason.
    public var phase1FailureReasons: [Phase1FailureReason: Int] = [:]
    public var quickModeCompleted = 0
    public var quickModeFailed = 0
    /// Quick Modes we initiated that the peer refused with a protected notify (part of `quickModeFailed`).
    public var quickModeRefused = 0
    /// Verified QM1 dropped because the Phase 1 SA already ran the most Quick Modes at once.
    public var quickModeBusyDropped = 0
    /// Phase 1 SAs deleted because a Quick Mode on them went unanswered with nothing else heard.
    public var phase1PresumedDead = 0
    public var ipsecSAsInstalled = 0
    public var ipsecSAsDeleted = 0
    /// IPsec SA pairs deleted because they carried nothing for p2_idletime_secs (part of `ipsecSAsDeleted`).
    public var ipsecSAsIdleDeleted = 0
    /// Datagrams dropped because they did not decode.
    public var malformedDropped = 0
    /// Datagrams for no known SA, repeated, late or otherwise out of place.
    public var unexpectedDropped = 0
    /// Encrypted messages whose hash did not verify or that did not decrypt.
    public var authenticationDropped = 0
    /// Payloads of verified informationals that named nothing we hold or asked for nothing we do
    /// (a delete of an unknown SPI, an unknown status notify): logged and counted, never acted on.
    public var informationalIgnored = 0
    public var retransmissions = 0
    /// IKEv1 fragments sent and received.
    public var fragmentsSent = 0
    public var fragmentsReceived = 0
    /// MM1 dropped because the half-open limits were reached and nothing could make room.
    public var halfOpenRefused = 0
    /// Half-open SAs that never answered MM2, dropped to make room for newer ones.
    public var halfOpenEvicted = 0
    /// MM3 left unanswered (the peer retransmits) because the limit of unauthenticated
    /// Diffie-Hellman work in flight was reached.
    public var unauthenticatedComputeDeferred = 0
    /// R-U-THERE requests sent (RFC 3706), and peers found dead (no ACK after dpd_retries).
    public var dpdRequestsSent = 0
    /// The peers' R-U-THERE we answered with an ACK.
    public var dpdRequestsAnswered = 0
    public var dpdDeadPeers = 0
    /// NAT traversal (RFC 3947/3948): Phase 1 SAs on which NAT-D found a NAT, keepalives sent, and
    /// peers followed to a new address or port (a NAT's mapping changed).
    public var natDetected = 0
    public var natKeepalivesSent = 0
    public var natMappingChanges = 0
    /// Datagrams on the NAT-T port that were not IKE (a keepalive, or ESP the kernel did not take).
    public var natNonIKEDropped = 0

    public init() {}

    mutating func countPhase1Failure(initiator: Bool, _ reason: Phase1FailureReason) {
        if initiator { phase1FailedInitiator += 1 } else { phase1FailedResponder += 1 }
        phase1FailureReasons[reason, default: 0] += 1
    }
}
