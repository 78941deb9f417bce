import IKECrypto

/// Which exchange of a Phase 1 SA a slot belongs to.
enum ExchangeKey: Hashable {
    case mainMode
    case quickMode(UInt32)
    case informational(UInt32)
}

/// How a message we send relates to its exchange.
enum Delivery: Equatable {
    /// A request: sent again with the ike.config backoff until its answer is accepted.
    case request
    /// The answer to the message last accepted on the slot: sent again when that message repeats.
    case reply
    /// Both (QM2): the answer to QM1 and the request for QM3.
    case replyAndRequest
    /// Neither: a notify or delete that expects nothing back.
    case oneWay
}

/// The one exchange driver of a Phase 1 SA (STYLE §3.4): it records what every exchange sends,
/// retransmits requests with retry_timer_init/retry_timer_max/retry_limit, answers a repeated
/// request from the cached answer, drops late duplicates, and hands out message IDs. Exchanges
/// (Main Mode, Quick Mode, Informational) say what they send and accept; they never resend.
struct ExchangeDriver {
    private var slots: [ExchangeKey: ExchangeSlot] = [:]
    private var messageIDs = RecentMessageIDs()

    /// What an arriving message is before any exchange sees it.
    enum Arrival: Equatable {
        /// Not seen on this slot: the exchange takes it.
        case new
        /// A repeat of the message we last accepted, which we answered with this.
        case repeated(answer: [UInt8])
        /// A repeat we have no answer for (yet, or at all): dropped.
        case duplicate
    }

    func classify(_ bytes: [UInt8], on key: ExchangeKey) -> Arrival {
        guard let slot = slots[key], slot.lastReceived == bytes else { return .new }
        return slot.lastAnswer.map { .repeated(answer: $0) } ?? .duplicate
    }

    /// The exchange accepted `bytes` from the peer.
    mutating func accepted(_ bytes: [UInt8], on key: ExchangeKey) {
        slots[key, default: ExchangeSlot()].accepted(bytes)
    }

    /// The exchange sends `bytes` as `delivery`; a request is sent again up to `retryLimit` times
    /// (retry_limit when nil).
    mutating func sent(_ bytes: [UInt8], _ delivery: Delivery, on key: ExchangeKey, at now: EngineInstant, settings: EngineSettings, retryLimit: Int? = nil) {
        switch delivery {
        case .request:
            slots[key, default: ExchangeSlot()].request(bytes, at: now, settings: settings, limit: retryLimit)
        case .reply:
            slots[key, default: ExchangeSlot()].reply(bytes)
        case .replyAndRequest:
            slots[key, default: ExchangeSlot()].reply(bytes)
            slots[key, default: ExchangeSlot()].request(bytes, at: now, settings: settings)
        case .oneWay:
            break
        }
    }

    /// The exchange ended: nothing is sent again, but a repeat still gets the cached answer.
    mutating func stop(_ key: ExchangeKey) { slots[key]?.stop() }

    /// The exchange is forgotten altogether.
    mutating func forget(_ key: ExchangeKey) { slots[key] = nil }

    /// The slot's record, for tests and views.
    subscript(key: ExchangeKey) -> ExchangeSlot? { slots[key] }

    var earliestDeadline: EngineInstant? { slots.values.lazy.compactMap(\.deadline).min() }

    /// Every slot's timer at `now`: what to send again, and which exchanges spent retry_limit.
    mutating func due(at now: EngineInstant, settings: EngineSettings) -> [(ExchangeKey, ExchangeSlot.Due)] {
        var result: [(ExchangeKey, ExchangeSlot.Due)] = []
        for key in slots.keys where slots[key]?.deadline.map({ $0 <= now }) ?? false {
            guard let due = slots[key]?.due(at: now, settings: settings), due != .nothing else { continue }
            result.append((key, due))
        }
        // Main Mode first, then by message ID: a deterministic order whatever the dictionary's.
        return result.sorted { Self.order($0.0) < Self.order($1.0) }
    }

    private static func order(_ key: ExchangeKey) -> (Int, UInt32) {
        switch key {
        case .mainMode: (0, 0)
        case .quickMode(let id): (1, id)
        case .informational(let id): (2, id)
        }
    }

    /// A random message ID not used recently on this SA (RFC 2408 §3.1).
    mutating func makeMessageID(_ random: any RandomSource) -> UInt32 {
        while true {
            let id = random.uint32()
            if id != 0, messageIDs.insert(id) { return id }
        }
    }

    /// The peer started an exchange under `id`.
    mutating func peerUsed(_ id: UInt32) { _ = messageIDs.insert(id) }
}

/// The message IDs used on one SA, the most recent `capacity` of them: a peer that opens exchange
/// after exchange cannot grow the set without bound, and a random 32-bit ID colliding with one older
/// than that is as unlikely as any other collision.
struct RecentMessageIDs {
    static let capacity = 1024
    private var members: Set<UInt32> = []
    private var order: [UInt32] = []
    private var next = 0

    /// Adds `id`; false when it is already there.
    mutating func insert(_ id: UInt32) -> Bool {
        guard !members.contains(id) else { return false }
        if order.count < Self.capacity {
            order.append(id)
        } else {
            members.remove(order[next])
            order[next] = id
            next = (next + 1) % Self.capacity
        }
        members.insert(id)
        return true
    }

    func contains(_ id: UInt32) -> Bool { members.contains(id) }
}
