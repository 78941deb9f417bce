import IPsecTypes

/// A Phase 1 SA's endpoints can move under the engine's control: NAT traversal floats both ends to
/// UDP 4500 mid-exchange (RFC 3947 §4), and a peer behind a NAT whose mapping changes arrives from a
/// new address or port. Every table that finds the SA by an endpoint follows.
extension IKEEngine {
    /// Moves `sa` to `local` and `remote`. Callers decide when a move is allowed (NAT-T: after an
    /// authenticated message from the new endpoint); nothing here looks at peer input.
    func moveEndpoints(_ sa: Phase1SA, local: Endpoint, remote: Endpoint) {
        guard sa.local != local || sa.remote != remote, !sa.isDead else { return }
        let oldPair = Phase1Table.AddressPair(local: sa.local.address, remote: sa.remote.address)
        let oldHalfOpen = HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: sa.remote)
        log(.info, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) moves from \(sa.local) <-> \(sa.remote) to \(local) <-> \(remote)")
        sa.setEndpoints(local: local, remote: remote)
        phase1.moved(sa, from: oldPair)
        if halfOpen[oldHalfOpen] == sa.handle {
            halfOpen[oldHalfOpen] = nil
            halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: remote)] = sa.handle
        }
    }
}
