import Foundation

/// A network namespace with a unique name for one test, removed (with everything in it) on deinit,
/// also when the test fails. Needs root and iproute2.
public final class NetworkNamespace {
    public let name: String

    /// Why namespaces cannot be made here, or nil when they can.
    public static var unavailable: String? {
        if geteuid() != 0 { return "needs root (network namespaces)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") && !FileManager.default.isExecutableFile(atPath: "/sbin/ip") { return "needs iproute2" }
        return nil
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(prefix: String) throws {
        name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        let outcome = Spawn.run(["/usr/sbin/ip", "netns", "add", name])
        guard outcome.status == 0 else { throw Failure(description: "ip netns add \(name): \(outcome.errors)") }
        _ = Spawn.run(["/usr/sbin/ip", "-n", name, "link", "set", "lo", "up"])
    }

    deinit { _ = Spawn.run(["/usr/sbin/ip", "netns", "del", name]) }

    /// Runs a command inside the namespace.
    @discardableResult
    public func run(_ arguments: [String]) -> Spawn.Outcome {
        Spawn.run(["/usr/sbin/ip", "netns", "exec", name] + arguments)
    }

    /// `ip -n NAME …`: iproute2 acting on the namespace.
    @discardableResult
    public func ip(_ arguments: String...) -> Spawn.Outcome {
        Spawn.run(["/usr/sbin/ip", "-n", name] + arguments)
    }
}
