@testable import IKEEngine
import IKETestSupport
import Testing

/// The one exchange driver: what every exchange (Main Mode, Quick Mode, Informational) gets from it.
@Suite("Exchange driver: retransmission, cached answers, message IDs")
struct ExchangeDriverTests {
    /// retry_timer_init 0.5, retry_timer_max 8, retry_limit 5.
    static let settings = try! Scenario.settings()
    static let start = EngineInstant(nanoseconds: 1_000_000_000)

    static let keys: [ExchangeKey] = [.mainMode, .quickMode(7), .informational(9)]

    @Test("a request is sent again with doubling intervals up to retry_timer_max, then retry_limit gives up", arguments: keys)
    func backoff(_ key: ExchangeKey) {
        var driver = ExchangeDriver()
        driver.sent([1], .request, on: key, at: Self.start, settings: Self.settings)
        var now = Self.start
        var intervals: [Double] = []
        while let deadline = driver.earliestDeadline {
            intervals.append(deadline.seconds(since: now))
            now = deadline
            let due = driver.due(at: now, settings: Self.settings)
            #expect(due.count == 1 && due[0].0 == key)
            if due.first?.1 == .giveUp { break }
            #expect(due.first?.1 == .resend([1]))
        }
        #expect(intervals == [0.5, 1, 2, 4, 8, 8], "five resends, then the give-up")
        #expect(driver.earliestDeadline == nil, "nothing is armed after giving up")
    }

    @Test("nothing is due before the deadline", arguments: keys)
    func notEarly(_ key: ExchangeKey) {
        var driver = ExchangeDriver()
        driver.sent([1], .request, on: key, at: Self.start, settings: Self.settings)
        #expect(driver.due(at: Self.start.adding(seconds: 0.49), settings: Self.settings).isEmpty)
    }

    @Test("the accepted answer stops retransmission; a repeat of it is a duplicate until we reply, then gets the reply")
    func acceptedAndRepeated() {
        var driver = ExchangeDriver()
        driver.sent([1], .request, on: .mainMode, at: Self.start, settings: Self.settings)
        #expect(driver.classify([2], on: .mainMode) == .new)
        driver.accepted([2], on: .mainMode)
        #expect(driver.earliestDeadline == nil)
        #expect(driver.classify([2], on: .mainMode) == .duplicate)
        driver.sent([3], .reply, on: .mainMode, at: Self.start, settings: Self.settings)
        #expect(driver.classify([2], on: .mainMode) == .repeated(answer: [3]))
        #expect(driver.classify([4], on: .mainMode) == .new)
    }

    @Test("QM2 is a reply and a request: it answers a repeated QM1 and is retransmitted until QM3")
    func replyAndRequest() {
        var driver = ExchangeDriver()
        driver.accepted([1], on: .quickMode(5))
        driver.sent([2], .replyAndRequest, on: .quickMode(5), at: Self.start, settings: Self.settings)
        #expect(driver.classify([1], on: .quickMode(5)) == .repeated(answer: [2]))
        #expect(driver.due(at: Self.start.adding(seconds: 0.5), settings: Self.settings).map(\.1) == [.resend([2])])
        driver.accepted([3], on: .quickMode(5))
        #expect(driver.earliestDeadline == nil)
    }

    @Test("slots are separate: another exchange's message is new, and a stopped slot still answers repeats")
    func separateSlots() {
        var driver = ExchangeDriver()
        driver.accepted([1], on: .quickMode(1))
        driver.sent([2], .replyAndRequest, on: .quickMode(1), at: Self.start, settings: Self.settings)
        #expect(driver.classify([1], on: .quickMode(2)) == .new)
        #expect(driver.classify([1], on: .informational(1)) == .new)
        driver.stop(.quickMode(1))
        #expect(driver.earliestDeadline == nil)
        #expect(driver.classify([1], on: .quickMode(1)) == .repeated(answer: [2]))
        driver.forget(.quickMode(1))
        #expect(driver.classify([1], on: .quickMode(1)) == .new)
    }

    @Test("one-way messages (notifies, deletes) arm nothing")
    func oneWay() {
        var driver = ExchangeDriver()
        driver.sent([1], .oneWay, on: .informational(3), at: Self.start, settings: Self.settings)
        #expect(driver.earliestDeadline == nil && driver[.informational(3)] == nil)
    }

    @Test("due slots come Main Mode first, then by message ID")
    func order() {
        var driver = ExchangeDriver()
        for key: ExchangeKey in [.informational(1), .quickMode(9), .quickMode(2), .mainMode] {
            driver.sent([0], .request, on: key, at: Self.start, settings: Self.settings)
        }
        #expect(driver.due(at: Self.start.adding(seconds: 1), settings: Self.settings).map(\.0) == [.mainMode, .quickMode(2), .quickMode(9), .informational(1)])
    }

    @Test("message IDs are never zero and never repeat among the recent ones; the record is bounded")
    func messageIDs() {
        var driver = ExchangeDriver()
        let random = SeededRandom(seed: 3)
        var seen: Set<UInt32> = []
        for _ in 0..<3000 {
            let id = driver.makeMessageID(random)
            #expect(id != 0)
            seen.insert(id)
        }
        #expect(seen.count == 3000)
        var recent = RecentMessageIDs()
        for id in UInt32(1)...UInt32(RecentMessageIDs.capacity + 10) {
            let inserted = recent.insert(id)
            #expect(inserted)
        }
        #expect(!recent.contains(1) && !recent.contains(10) && recent.contains(11), "the oldest are forgotten first")
        let again = recent.insert(11)
        #expect(!again, "a recent ID is refused")
    }
}
