import ISAKMP

/// Dead Peer Detection (RFC 3706) on one Phase 1 SA: the R-U-THERE we wait an ACK for, the sequence
/// numbers, and the last handshake's result for `ikeadm dump p1`. Only with a peer that announced
/// DPD in Main Mode; the exchange driver retransmits the R-U-THERE like any request.
struct DeadPeerDetection {
    /// What `dump p1` shows (Solaris's DPD states: not initiated, in progress, successful, failed).
    enum Result: String, Sendable {
        case notInitiated = "not initiated"
        case inProgress = "in progress"
        case succeeded = "successful"
        case failed = "failed"
    }

    /// The sequence number of the next R-U-THERE (RFC 3706 §7: starts random, increments by one).
    var nextSequence: UInt32
    /// The R-U-THERE in flight: its message ID (the driver's slot) and sequence number.
    var outstanding: (messageID: UInt32, sequence: UInt32)?
    var result = Result.notInitiated
    var resultTime: EngineInstant?
    /// The SA's inbound IPsec byte counters at the last look, and when they last moved: ESP from the
    /// peer proves it alive as well as an IKE message does.
    var inboundBytes: UInt64 = 0
    var lastTraffic: EngineInstant?

    init(firstSequence: UInt32) { nextSequence = firstSequence }
}

extension Phase1SA {
    /// The peer announced RFC 3706 in Main Mode (the last two bytes of the ID are a version).
    var peerSupportsDPD: Bool {
        peerVendorIDs.contains { $0.count == VendorIDCatalog.deadPeerDetection.count && $0.prefix(14) == VendorIDCatalog.deadPeerDetection.prefix(14) }
    }
}
