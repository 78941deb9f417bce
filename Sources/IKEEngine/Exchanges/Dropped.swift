/// Why an exchange dropped a message, counted in `ikeadm get stats` (and the SA's counters) without
/// touching any state.
enum Dropped: Equatable {
    /// Not what the exchange waits for in its state (busy computing, a late or stray message).
    case unexpected
    /// Does not parse into what the message must carry.
    case malformed
    /// Fails its proof or does not decrypt, before the exchange can tell more.
    case authentication
    /// Does not decrypt under the SA's keys.
    case decryption
    /// Its HASH does not verify.
    case hash
    /// Valid, but an unauthenticated peer's modular exponentiation would exceed the limit: the peer's
    /// retransmission is taken as new.
    case computeDeferred
}
