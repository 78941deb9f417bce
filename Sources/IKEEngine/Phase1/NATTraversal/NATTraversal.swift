import IKECrypto
import IPsecTypes
import ISAKMP

/// NAT traversal on one Phase 1 SA (RFC 3947): the method both ends announced in MM1/MM2 and what
/// the NAT-D payloads of MM3/MM4 showed.
struct NATTraversal: Sendable {
    let method: NATTraversalMethod
    /// The peer's NAT-D for our end (the first one it sent) did not match our address and port:
    /// something between us rewrites our packets, so we keep the NAT's mapping alive.
    var localBehindNAT = false
    /// None of the peer's NAT-D for its own end matched where its packets came from.
    var peerBehindNAT = false
    /// Whether the peer's NAT-D payloads have been compared (MM3 at the responder, MM4 at the
    /// initiator); a peer that announced NAT-T and sent none leaves this false, and nothing floats.
    var compared = false
    /// Keepalives sent on this SA (RFC 3948 §2.3).
    var keepalivesSent = 0

    init(method: NATTraversalMethod) { self.method = method }

    /// A NAT is somewhere between the two ends: Main Mode continues on the NAT-T port, and IPsec SAs
    /// are UDP-encapsulated.
    var natFound: Bool { localBehindNAT || peerBehindNAT }

    /// HASH(CKY-I | CKY-R | IP | Port) with the negotiated hash (RFC 3947 §3.2).
    static func discoveryHash(_ digest: Digest, cookies: CookiePair, endpoint: Endpoint) -> [UInt8] {
        digest.hash(cookies.initiator.bytes, cookies.responder.bytes, endpoint.address.bytes, endpoint.port.bigEndianBytes)
    }

    /// The peer's NAT-D payloads in a message, in order (either numbering: a peer that announced
    /// one method and numbered as another is read all the same; what it is sent is the method's).
    static func discoveryHashes(in payloads: [Payload]) -> [[UInt8]] {
        payloads.compactMap { payload in
            if case .natDiscovery(let hash, _) = payload.content { hash } else { nil }
        }
    }

    /// The peer's NAT-OA payloads' addresses (Quick Mode), in order.
    static func originalAddresses(in payloads: [Payload]) -> [IPAddress] {
        payloads.compactMap { payload in
            if case .natOriginalAddress(let original, _) = payload.content { original.address } else { nil }
        }
    }

    /// "initiator behind NAT", "both behind NAT", …, for logs and `ikeadm dump p1`.
    func describe(role: Phase1SA.Role) -> String {
        guard compared else { return "no NAT-D exchanged" }
        let us = role == .initiator ? "initiator" : "responder", them = role == .initiator ? "responder" : "initiator"
        switch (localBehindNAT, peerBehindNAT) {
        case (false, false): return "no NAT"
        case (true, false): return "\(us) (we) behind NAT"
        case (false, true): return "\(them) (peer) behind NAT"
        case (true, true): return "both behind NAT"
        }
    }
}
