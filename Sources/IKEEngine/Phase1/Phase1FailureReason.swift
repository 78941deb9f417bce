/// Why a Phase 1 negotiation failed, as `ikeadm get stats` breaks the failures down.
public enum Phase1FailureReason: String, Sendable, CaseIterable {
    case timeout = "time-out"
    case noRule = "no matching rule"
    case noProposal = "no acceptable proposal"
    case missingKey = "no pre-shared key"
    case authentication = "authentication failed"
    case identity = "identity mismatch"
    case peerRefused = "refused by the peer"
    case malformed = "malformed message"
    /// The peer's KE value failed validation (INVALID-KEY-INFORMATION).
    case invalidKeyExchange = "invalid key exchange value"
    case localError = "local error"
}
