import IPsecTypes

/// IKEKernel is the narrow port to the kernel's IPsec tables (STYLE §4.4): install and delete SAs, and
/// report what is installed. `InMemoryKernel` serves tests and the demo; the XFRM netlink backend
/// implements the same protocol.

/// Why the kernel refused a request.
public struct KernelError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// The kernel's SA database as the daemon uses it.
public protocol KernelPort: AnyObject {
    /// Installs both directions of an SA pair; on failure nothing stays installed.
    func install(inbound: IPsecSA, outbound: IPsecSA) throws(KernelError)
    func delete(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) throws(KernelError)
    /// What is installed now (keys included: only keymat-privileged views may show them).
    var installed: [IPsecSA] { get }
    /// A short name for logs and `ikeadm`.
    var name: String { get }
}

/// A kernel that keeps SAs in memory: for tests, the demo and unprivileged runs.
public final class InMemoryKernel: KernelPort {
    private var table: [SAKey: IPsecSA] = [:]
    public let name = "memory"

    struct SAKey: Hashable {
        var spi: UInt32
        var protocolID: SecurityProtocol
        var destination: IPAddress
    }

    public init() {}

    public func install(inbound: IPsecSA, outbound: IPsecSA) throws(KernelError) {
        let keys = [inbound, outbound].map { SAKey(spi: $0.spi, protocolID: $0.protocolID, destination: $0.destination) }
        if let taken = keys.first(where: { table[$0] != nil }) {
            throw KernelError("SPI \(String(taken.spi, radix: 16)) to \(taken.destination) is already in use")
        }
        table[keys[0]] = inbound
        table[keys[1]] = outbound
    }

    public func delete(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) throws(KernelError) {
        guard table.removeValue(forKey: SAKey(spi: spi, protocolID: protocolID, destination: destination)) != nil else {
            throw KernelError("no SA \(String(spi, radix: 16)) to \(destination)")
        }
    }

    public var installed: [IPsecSA] { table.values.sorted { $0.spi < $1.spi } }
}
