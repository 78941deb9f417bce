import ISAKMP

/// The request/response bookkeeping of one exchange slot (Main Mode, or one Quick Mode): the request
/// we wait an answer for and when to send it again, and the last message we answered with the answer
/// we gave, so that a repeated request gets the cached answer instead of new state (STYLE §3.4).
struct ExchangeSlot {
    /// The message we are waiting for an answer to.
    var pending: [UInt8]?
    var attempts = 0
    var deadline: EngineInstant?
    /// The last message received on this slot and what we answered (nil when we did not).
    var lastReceived: [UInt8]?
    var lastAnswer: [UInt8]?

    /// Records an outgoing request and arms the timer.
    mutating func sent(_ request: [UInt8], at now: EngineInstant, settings: EngineSettings) {
        pending = request
        attempts = 0
        deadline = now.adding(seconds: settings.retransmitInterval(attempt: 0))
    }

    /// The reply arrived: stop retransmitting.
    mutating func answered() {
        pending = nil
        deadline = nil
    }

    /// What a slot's timer says at `now`.
    enum Due {
        case nothing
        /// Send this again (the attempt is counted and the next, doubled interval armed).
        case resend([UInt8])
        /// retry_limit is spent.
        case giveUp
    }

    /// Checks the timer: retransmit with the ike.config backoff, or give up after retry_limit tries.
    mutating func due(at now: EngineInstant, settings: EngineSettings) -> Due {
        guard let deadline, deadline <= now else { return .nothing }
        guard let pending, attempts < settings.retryLimit else { return .giveUp }
        attempts += 1
        self.deadline = now.adding(seconds: settings.retransmitInterval(attempt: attempts))
        return .resend(pending)
    }

    /// Whether `bytes` repeats the last message received (then `lastAnswer`, if any, is re-sent).
    func isRepeat(_ bytes: [UInt8]) -> Bool { lastReceived == bytes }

    mutating func received(_ bytes: [UInt8], answer: [UInt8]?) {
        lastReceived = bytes
        lastAnswer = answer
    }
}
