import IPsecTypes

/// Bounds on half-open Phase 1 work (defaults in docs/PROTOCOL.md; in.iked options set them).
public struct HalfOpenLimits: Sendable, Equatable {
    /// Half-open responder SAs at most (`in.iked --max-half-open`).
    public var global = 5_000
    /// Half-open responder SAs from one address at most (`--max-half-open-per-peer`).
    public var perPeer = 16
    /// Modular exponentiations for peers that have not authenticated yet, in flight at most
    /// (`--max-unauthenticated-dh`).
    public var unauthenticatedComputations = 64
    public init() {}
}

/// The responder's half-open Phase 1 SAs (MM1 answered, not yet authenticated), counted globally
/// and per peer address. Nothing a peer sends before it returns our cookie in MM3 costs a modular
/// exponentiation, and what it can make us hold is bounded: past the global limit the oldest
/// half-open SA that never answered MM2 makes room (a legitimate peer answers in a round trip, a
/// flood of spoofed MM1 never does); past the per-peer limit that peer's oldest one does.
struct HalfOpenLimiter {
    private var members: [SAHandle: IPAddress] = [:]
    /// Arrival order, oldest first from `head` (entries that left are skipped).
    private var order: [SAHandle] = []
    private var head = 0
    private var perPeer: [IPAddress: [SAHandle]] = [:]

    var count: Int { members.count }
    func count(from peer: IPAddress) -> Int { perPeer[peer]?.count ?? 0 }

    mutating func admit(_ handle: SAHandle, from peer: IPAddress) {
        members[handle] = peer
        order.append(handle)
        perPeer[peer, default: []].append(handle)
    }

    /// The SA authenticated or went away.
    mutating func leave(_ handle: SAHandle) {
        guard let peer = members.removeValue(forKey: handle) else { return }
        perPeer[peer]?.removeAll { $0 == handle }
        if perPeer[peer]?.isEmpty == true { perPeer[peer] = nil }
        // The arrival order keeps departed entries until they are skipped; without a limit ever being
        // reached nothing skips them, so the order is compacted once they outnumber the members.
        while head < order.count, members[order[head]] == nil { head += 1 }
        if order.count - head > 2 * members.count + 64 {
            order = order[head...].filter { members[$0] != nil }
            head = 0
        } else if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Entries kept for the arrival order (tests: it stays proportional to the members).
    var orderCount: Int { order.count - head }

    /// The oldest half-open SA (from `peer` when given) that `isEvictable` accepts.
    mutating func oldest(from peer: IPAddress? = nil, where isEvictable: (SAHandle) -> Bool) -> SAHandle? {
        if let peer { return perPeer[peer]?.first(where: isEvictable) }
        var index = head
        while index < order.count {
            let handle = order[index]
            if members[handle] != nil, isEvictable(handle) { return handle }
            if members[handle] == nil, index == head { head += 1 }
            index += 1
        }
        return nil
    }
}
