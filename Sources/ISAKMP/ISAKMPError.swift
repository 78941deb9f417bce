/// A message a peer sent that we refuse, named after the RFC 2408 notify it maps to (STYLE §2.6).
///
/// Tests assert on `notify`; logs show `reason`. Two errors are equal when their notify types are.
public struct ISAKMPError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The notify message type this rejection corresponds to (RFC 2408 §3.14.1).
    public let notify: NotifyMessageType
    /// What exactly was wrong, with offsets and numbers.
    public let reason: String
    public let file: String
    public let line: Int

    public init(_ notify: NotifyMessageType, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.notify = notify
        self.reason = reason
        self.file = file
        self.line = line
    }

    public static func == (lhs: ISAKMPError, rhs: ISAKMPError) -> Bool { lhs.notify == rhs.notify }

    public var description: String { "\(notify): \(reason)" }
}
