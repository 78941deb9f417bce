#if canImport(Glibc)
import Glibc
#endif

/// Why the kernel refused a request.
public struct KernelError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    /// The kernel's errno, when it gave one.
    public let errno: Int32?

    public init(_ reason: String, errno: Int32? = nil) {
        self.reason = reason
        self.errno = errno
    }

    public var description: String { reason }
}
