import ISAKMP

/// The fragments of one message a peer is sending on a Phase 1 SA (IKEv1 fragmentation), kept until
/// the last arrives and every number before it is there. Bounded: at most `maximumFragments` pieces
/// and `maximumBytes` in all, one message per SA at a time (a new fragment ID replaces a message
/// still incomplete). A repeated piece is ignored; a complete message is handed on whole, so a
/// peer's retransmission of all its fragments reassembles again and reaches the exchange driver
/// as a repeat (the racoon CVE-2016-10396 follow-up took such a retransmitted last fragment for a
/// replay).
struct FragmentReassembly {
    static let maximumFragments = 32
    static let maximumBytes = 64 * 1024

    /// What all reassemblies together may hold: a flood of half-open SAs each sending fragments
    /// cannot make the engine hold more (5,000 half-open SAs × 64 KiB would be 320 MB).
    static let maximumTotalBytes = 4 * 1024 * 1024

    let id: UInt16
    private var pieces: [UInt8: [UInt8]] = [:]
    private var lastNumber: UInt8?
    /// The bytes held so far.
    private(set) var bytes = 0

    init(id: UInt16) { self.id = id }

    enum Outcome: Equatable {
        case incomplete
        case complete([UInt8])
        /// The message cannot be reassembled within the bounds (or contradicts itself).
        case refused(String)
    }

    mutating func add(_ fragment: Fragment) -> Outcome {
        guard Int(fragment.number) <= Self.maximumFragments else { return .refused("fragment number \(fragment.number) above \(Self.maximumFragments)") }
        if let lastNumber, fragment.number > lastNumber { return .refused("fragment \(fragment.number) after the last, \(lastNumber)") }
        if fragment.isLast {
            if let lastNumber, lastNumber != fragment.number { return .refused("two last fragments, \(lastNumber) and \(fragment.number)") }
            if let highest = pieces.keys.max(), highest > fragment.number { return .refused("last fragment \(fragment.number) below fragment \(highest)") }
            lastNumber = fragment.number
        }
        guard pieces[fragment.number] == nil else { return .incomplete }
        guard bytes + fragment.data.count <= Self.maximumBytes else { return .refused("more than \(Self.maximumBytes) bytes") }
        pieces[fragment.number] = fragment.data
        bytes += fragment.data.count
        guard let lastNumber, pieces.count == Int(lastNumber) else { return .incomplete }
        return .complete((1...lastNumber).flatMap { pieces[$0] ?? [] })
    }
}
