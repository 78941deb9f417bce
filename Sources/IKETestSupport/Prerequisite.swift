import Foundation

/// Something a test needs from the machine (root, the interop peers, QEMU). Outside CI a test whose
/// prerequisite is missing is skipped — `.enabled(if: prerequisite.runs)`, so the report says
/// skipped, never passed; in CI (CI=true) it runs anyway and `require()` fails it with what is missing.
public struct Prerequisite: Sendable {
    public static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// What is missing, or nil when the test can run.
    public let missing: @Sendable () -> String?

    public init(_ missing: @escaping @Sendable () -> String?) { self.missing = missing }

    /// The trait condition: the prerequisite is met, or this is CI (where missing it is a failure).
    public var runs: Bool { Self.inCI || missing() == nil }

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Throws what is missing (the test then fails); returns when all is there.
    public func require() throws {
        if let missing = missing() { throw Missing(description: "prerequisite missing\(Self.inCI ? " in CI" : ""): \(missing)") }
    }
}
