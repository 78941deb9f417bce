/// The request/response bookkeeping of one exchange (Main Mode, one Quick Mode, one Informational):
/// the request we wait an answer for and when to send it again, and the last message we accepted
/// with the answer we gave, so that a repeated request gets the cached answer instead of new state.
/// Only `ExchangeDriver` changes it.
struct ExchangeSlot {
    /// The message we are waiting for an answer to.
    private(set) var pending: [UInt8]?
    private(set) var attempts = 0
    /// Retransmissions allowed for this request (nil: retry_limit).
    private(set) var limit: Int?
    private(set) var deadline: EngineInstant?
    /// The last message accepted on this slot and what we answered it with (nil: nothing, or not yet).
    private(set) var lastReceived: [UInt8]?
    private(set) var lastAnswer: [UInt8]?

    mutating func request(_ bytes: [UInt8], at now: EngineInstant, settings: EngineSettings, limit: Int? = nil) {
        pending = bytes
        attempts = 0
        self.limit = limit
        deadline = now.adding(seconds: settings.retransmitInterval(attempt: 0))
    }

    mutating func reply(_ bytes: [UInt8]) { lastAnswer = bytes }

    /// A message of the peer's was accepted: it answers our request, and a repeat of it gets our
    /// next reply (if any) again.
    mutating func accepted(_ bytes: [UInt8]) {
        stop()
        lastReceived = bytes
        lastAnswer = nil
    }

    /// Nothing more to send again (answered, or the exchange ended).
    mutating func stop() {
        pending = nil
        deadline = nil
    }

    /// What a slot's timer says at `now`.
    enum Due: Equatable {
        case nothing
        /// Send this again (the attempt is counted and the next, doubled interval armed).
        case resend([UInt8])
        /// retry_limit is spent.
        case giveUp
    }

    /// Checks the timer: retransmit with the ike.config backoff, or give up after retry_limit tries.
    mutating func due(at now: EngineInstant, settings: EngineSettings) -> Due {
        guard let deadline, deadline <= now else { return .nothing }
        guard let pending, attempts < (limit ?? settings.retryLimit) else {
            stop()
            return .giveUp
        }
        attempts += 1
        self.deadline = now.adding(seconds: settings.retransmitInterval(attempt: attempts))
        return .resend(pending)
    }
}
