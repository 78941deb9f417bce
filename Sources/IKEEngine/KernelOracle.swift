import IPsecTypes

/// The questions the engine asks the kernel while it negotiates, answered synchronously by the
/// runtime's kernel port: an SPI from the kernel's SA database (so no other SA holds it), and what the
/// kernel's inbound policy requires for traffic a peer proposes (Solaris's "inverse acquire"), and how
/// much traffic an SA carried (its idle time). Without
/// an oracle the engine draws SPIs from its randomness and has only ipsecinit.conf.
public protocol KernelOracle: AnyObject {
    /// An SPI for an inbound SA from `source` to `destination`; nil when the kernel refuses.
    func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) -> UInt32?
    /// What the kernel's inbound policy says of traffic `selector` (our side local).
    func inboundPolicy(for selector: TrafficSelector) -> InboundPolicyVerdict
    /// The bytes an SA has carried so far (the kernel's counter), for p2_idletime_secs; nil when the
    /// kernel cannot tell.
    func bytesCarried(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64?
}

extension KernelOracle {
    public func bytesCarried(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64? { nil }
}

/// The kernel's inbound policy for proposed traffic.
public enum InboundPolicyVerdict: Sendable, Equatable {
    /// The kernel keeps no policy this engine can see: ipsecinit.conf alone decides.
    case notKept
    /// Traffic must arrive through SAs of these protocols in this mode.
    case protected(protocols: [SecurityProtocol], mode: IPsecMode)
    /// No policy asks for protection of this traffic (or one bypasses or drops it): nothing to negotiate.
    case unprotected
}
