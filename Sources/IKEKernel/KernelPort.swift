import IPsecTypes

/// IKEKernel is the narrow port to the kernel's IPsec tables (STYLE §4.4): allocate SPIs, install and
/// delete SAs, read and load policy, and report what the kernel asks for (ACQUIRE) or tells (EXPIRE,
/// deletes by others). `XFRMKernel` speaks XFRM netlink; `InMemoryKernel` serves tests and the demo.

/// The kernel's SA and policy databases as the daemon uses them.
public protocol KernelPort: AnyObject {
    /// An SPI for an inbound SA from `source` to `destination` (ours), reserved until the SA is installed.
    func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) throws(KernelError) -> UInt32
    /// Installs both directions of an SA pair; on failure nothing stays installed.
    func install(inbound: IPsecSA, outbound: IPsecSA) throws(KernelError)
    func delete(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) throws(KernelError)
    /// Points an installed UDP-encapsulated pair at its peer's new NAT mapping: the same SPIs and
    /// keys with new encapsulation ports, and a new outbound destination when the peer's address
    /// changed (`previousOutboundDestination` names the outbound SA as installed).
    func update(inbound: IPsecSA, outbound: IPsecSA, previousOutboundDestination: IPAddress) throws(KernelError)
    /// The SAs this daemon installed that the kernel still holds (keys included: only keymat-privileged
    /// views may show them).
    var installed: [IPsecSA] { get }
    /// A short name for logs and `ikeadm`.
    var name: String { get }

    /// The descriptor to poll for kernel events (nil: the port has none).
    var eventDescriptor: Int32? { get }
    /// Events that have arrived, without waiting.
    func receiveEvents() -> [KernelEvent]

    /// The kernel's policy, or nil when this port keeps none (the daemon then has only ipsecinit.conf).
    var policies: [KernelPolicy]? { get }
    /// Adds a policy; returns it with the kernel's index.
    func installPolicy(_ policy: KernelPolicy) throws(KernelError) -> KernelPolicy
    func deletePolicy(_ policy: KernelPolicy) throws(KernelError)
    func flushPolicies() throws(KernelError)

    /// Messages from the kernel that did not parse, or were not expected, since start.
    var malformedMessages: Int { get }

    /// The bytes an SA has carried (its kernel counter), or nil when the kernel has no such SA.
    func byteCount(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64?
}

extension KernelPort {
    /// The template an SA for `selector` (source side = `selector.local`) answers to in `direction`.
    public func template(_ direction: KernelPolicyDirection, for selector: TrafficSelector, protocolID: SecurityProtocol) -> KernelTemplate? {
        policies?.first(direction, covering: selector)?.templates.first { $0.protocolID == protocolID }
    }
}
