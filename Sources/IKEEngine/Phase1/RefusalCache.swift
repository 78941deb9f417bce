/// Main Mode offers we refused, by (initiator cookie, peer), with the answer sent and when to forget
/// it: a retransmitted MM1 gets the same answer instead of counting as a new attempt. Entries expire
/// in the order they were made (all live expire_timer), so the oldest is the earliest deadline; the
/// cache holds `capacity` entries at most, dropping the oldest first, so refused floods cannot grow it.
struct RefusalCache {
    static let capacity = 4096

    struct Refusal {
        var answer: [UInt8]
        var until: EngineInstant
    }

    private var entries: [IKEEngine.HalfOpenKey: Refusal] = [:]
    /// Keys in insertion order from `head` on (a queue without shifting).
    private var order: [IKEEngine.HalfOpenKey] = []
    private var head = 0

    var count: Int { entries.count }

    subscript(key: IKEEngine.HalfOpenKey) -> Refusal? { entries[key] }

    mutating func insert(_ key: IKEEngine.HalfOpenKey, answer: [UInt8], until: EngineInstant) {
        if entries.updateValue(Refusal(answer: answer, until: until), forKey: key) == nil { order.append(key) }
        while entries.count > Self.capacity { dropOldest() }
    }

    /// When the oldest refusal is forgotten.
    var earliest: EngineInstant? {
        var index = head
        while index < order.count {
            if let refusal = entries[order[index]] { return refusal.until }
            index += 1
        }
        return nil
    }

    /// Forgets refusals whose time is up.
    mutating func expire(at now: EngineInstant) {
        while head < order.count {
            guard let refusal = entries[order[head]] else { head += 1; continue }
            guard refusal.until <= now else { break }
            dropOldest()
        }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    private mutating func dropOldest() {
        guard head < order.count else { return }
        entries[order[head]] = nil
        head += 1
    }
}
