import Foundation
import IKETestSupport
import Testing

/// Kernel tests need root and namespaces: outside CI they are skipped without them, in CI (CI=true)
/// a missing prerequisite is a failure.
enum Prerequisites {
    static var inCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// True when the test should run.
    static func met(_ extra: String? = nil) -> Bool {
        guard let missing = NetworkNamespace.unavailable ?? extra else { return true }
        if inCI { Issue.record("prerequisite missing in CI: \(missing)") }
        return false
    }
}
