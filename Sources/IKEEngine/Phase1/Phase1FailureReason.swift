/// Why a Phase 1 negotiation failed, as `ikeadm get stats` breaks the failures down.
public enum Phase1FailureReason: String, Sendable, CaseIterable {
    case timeout = "time-out"
    case noRule = "no matching rule"
    case noProposal = "no acceptable proposal"
    case missingKey = "no pre-shared key"
    /// No certificate with a private key for the rule's local_id.
    case missingCredentials = "no certificate with a private key"
    /// The peer's certificate is missing, untrusted, expired or revoked.
    case certificate = "certificate refused"
    case authentication = "authentication failed"
    case identity = "identity mismatch"
    case peerRefused = "refused by the peer"
    case malformed = "malformed message"
    /// The peer's KE value failed validation (INVALID-KEY-INFORMATION).
    case invalidKeyExchange = "invalid key exchange value"
    case localError = "local error"
}
