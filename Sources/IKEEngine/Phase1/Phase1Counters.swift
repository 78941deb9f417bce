/// What happened under one Phase 1 SA (ikeadm `STATS:` and `ERRS:` lines): IPsec SA pairs it keyed
/// and removed, and protected messages it had to drop, by reason.
public struct Phase1Counters: Sendable, Equatable {
    /// IPsec SA pairs negotiated under this SA, and those since deleted.
    public var ipsecSAsCreated = 0
    public var ipsecSAsDeleted = 0
    /// Received messages that did not decrypt (wrong length, bad padding, undecodable payloads).
    public var receiveDecryptErrors = 0
    /// Received messages whose HASH did not verify.
    public var receiveHashErrors = 0
    /// Received messages that fit no exchange state.
    public var receiveOtherErrors = 0

    public init() {}
}
