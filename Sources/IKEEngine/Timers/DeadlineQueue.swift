/// The engine's one priority queue: the earliest deadline of each owner (a Phase 1 SA with its
/// exchanges, an IPsec SA pair, the refusal cache), as a binary min-heap with lazy removal. Moving
/// or cancelling an owner's deadline pushes a new entry and leaves the old one to be skipped, so
/// `next` is O(1) amortised and every change O(log N): no event scans all SAs (STYLE §1.3).
struct DeadlineQueue<Owner: Hashable> {
    private struct Entry {
        var instant: EngineInstant
        var owner: Owner
        var generation: UInt64
    }

    private var heap: [Entry] = []
    /// The live entry of each owner: its instant and generation.
    private var current: [Owner: (instant: EngineInstant, generation: UInt64)] = [:]
    private var generation: UInt64 = 0

    var count: Int { current.count }

    /// Arms `owner` at `instant` (replacing its earlier deadline), or disarms it with nil.
    mutating func set(_ owner: Owner, _ instant: EngineInstant?) {
        guard let instant else {
            current[owner] = nil
            compactIfStale()
            return
        }
        if let live = current[owner], live.instant == instant { return }
        generation += 1
        current[owner] = (instant, generation)
        heap.append(Entry(instant: instant, owner: owner, generation: generation))
        siftUp(heap.count - 1)
        compactIfStale()
    }

    /// The earliest live deadline.
    mutating func next() -> EngineInstant? {
        dropStaleTop()
        return heap.first?.instant
    }

    /// Removes and returns an owner whose deadline is at or before `now`.
    mutating func popDue(at now: EngineInstant) -> Owner? {
        dropStaleTop()
        guard let top = heap.first, top.instant <= now else { return nil }
        removeTop()
        current[top.owner] = nil
        return top.owner
    }

    private func isLive(_ entry: Entry) -> Bool { current[entry.owner]?.generation == entry.generation }

    private mutating func dropStaleTop() {
        while let top = heap.first, !isLive(top) { removeTop() }
    }

    /// Rebuilds the heap when stale entries outnumber live ones, so memory follows the live count.
    private mutating func compactIfStale() {
        guard heap.count > 64, heap.count > 2 * current.count else { return }
        heap = current.map { Entry(instant: $0.value.instant, owner: $0.key, generation: $0.value.generation) }
        for index in stride(from: heap.count / 2 - 1, through: 0, by: -1) { siftDown(index) }
    }

    private mutating func removeTop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].instant < heap[parent].instant else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].instant < heap[smallest].instant { smallest = left }
            if right < heap.count, heap[right].instant < heap[smallest].instant { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

/// Who owns a deadline in the engine's queue.
enum DeadlineOwner: Hashable {
    /// A Phase 1 SA and its Quick Mode exchanges.
    case phase1(SAHandle)
    /// An installed IPsec SA pair, by our inbound SPI.
    case ipsec(UInt32)
    /// The cache of refused Main Mode offers.
    case refusals
}

/// Owners whose deadlines changed during an event; the engine re-reads their earliest deadline into
/// the queue before it returns (SAs and exchanges mark themselves when a timer field changes).
final class DirtyDeadlines {
    private(set) var owners: Set<DeadlineOwner> = []
    func mark(_ owner: DeadlineOwner) { owners.insert(owner) }
    func take() -> Set<DeadlineOwner> {
        defer { owners = [] }
        return owners
    }
}

/// A stable small number for a Phase 1 SA: what cookie pairs, half-open keys, compute jobs and
/// deadlines refer to, so none of them changes when the responder cookie becomes known.
struct SAHandle: Hashable, Sendable, CustomStringConvertible {
    let value: UInt32
    var description: String { "#\(value)" }
}
