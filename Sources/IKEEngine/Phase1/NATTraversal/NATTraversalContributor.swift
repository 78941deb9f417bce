import IKECrypto
import ISAKMP

/// NAT traversal's part of Main Mode (RFC 3947 §3-4), as a contributor rather than branches in the
/// exchange: the vendor IDs in MM1 (every method we implement) and MM2 (the one chosen), NAT-D in
/// MM3 and MM4, and the comparison of the peer's NAT-D with where its packets came from. The
/// initiator floats to the NAT-T port after MM4 when a NAT was found; the responder follows when
/// the authenticated MM5 arrives there (`IKEEngine.followPeer`).
struct NATTraversalContributor: MainModeContributor {
    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload] {
        guard engine.settings.natTraversalPort != nil else { return [] }
        switch message {
        case .mm1:
            // Newest first, as peers list them.
            return engine.settings.natTraversalMethods.sorted(by: >).map { Payload(.vendorID($0.vendorID)) }
        case .mm2:
            return sa.natTraversal.map { [Payload(.vendorID($0.method.vendorID))] } ?? []
        case .mm3, .mm4:
            guard let nat = sa.natTraversal, let algorithm = sa.negotiated?.hash, let digest = try? Digest(algorithm) else { return [] }
            // The first NAT-D is the peer's end as we address it, the next ours (RFC 3947 §3.2).
            let draft = nat.method.usesDraftNumbers
            return [sa.remote, sa.local].map { endpoint in
                Payload(.natDiscovery(NATTraversal.discoveryHash(digest, cookies: sa.cookies, endpoint: endpoint), draft: draft))
            }
        case .mm5, .mm6:
            return []
        }
    }

    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) {
        guard engine.settings.natTraversalPort != nil else { return }
        switch message {
        case .mm1, .mm2:
            // The responder chooses the newest method both know; the initiator learns the choice
            // (ignored unless it is one we offered).
            let announced = payloads.compactMap { payload in
                if case .vendorID(let bytes) = payload.content { NATTraversalMethod(vendorID: bytes) } else { nil }
            }.filter(engine.settings.natTraversalMethods.contains)
            if sa.natTraversal == nil, let newest = announced.max() { sa.natTraversal = NATTraversal(method: newest) }
        case .mm3, .mm4:
            guard var nat = sa.natTraversal, !nat.compared, let algorithm = sa.negotiated?.hash, let digest = try? Digest(algorithm) else { return }
            let hashes = NATTraversal.discoveryHashes(in: payloads)
            guard hashes.count >= 2 else { return }
            // Before any float, the SA's endpoints are exactly where MM3/MM4 came from and went to.
            nat.localBehindNAT = hashes[0] != NATTraversal.discoveryHash(digest, cookies: sa.cookies, endpoint: sa.local)
            let peerHash = NATTraversal.discoveryHash(digest, cookies: sa.cookies, endpoint: sa.remote)
            nat.peerBehindNAT = !hashes.dropFirst().contains(peerHash)
            nat.compared = true
            sa.natTraversal = nat
            engine.natDiscovered(sa)
        case .mm5, .mm6:
            return
        }
    }
}
