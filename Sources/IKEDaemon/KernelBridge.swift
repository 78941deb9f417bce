import IKEEngine
import IKEKernel
import IPsecTypes

/// The kernel port seen from the engine: SPIs from the kernel's SA database and the "inverse acquire"
/// (which inbound policy covers what a peer proposes).
final class KernelBridge: KernelOracle {
    let kernel: any KernelPort

    init(_ kernel: any KernelPort) { self.kernel = kernel }

    func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) -> UInt32? {
        try? kernel.allocateSPI(protocolID: protocolID, source: source, destination: destination)
    }

    func bytesCarried(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64? {
        kernel.byteCount(spi: spi, protocolID: protocolID, destination: destination)
    }

    func inboundPolicy(for selector: TrafficSelector) -> InboundPolicyVerdict {
        guard let policies = kernel.policies else { return .notKept }
        // Inbound traffic comes from the peer's side.
        guard let policy = policies.first(.in, covering: selector.reversed), policy.action == .allow, let outer = policy.templates.first else {
            return .unprotected
        }
        return .protected(protocols: policy.templates.map(\.protocolID), mode: outer.mode)
    }

    /// What the engine should negotiate for a kernel ACQUIRE: the traffic of the policy that matched
    /// (not just the packet's flow: one SA pair serves the whole policy, ipsecconf's `sa shared`).
    static func request(for acquire: KernelAcquire) -> AcquireRequest {
        request(for: acquire.policy, source: acquire.source, destination: acquire.destination)
    }

    /// The request for `policy`'s traffic between the IKE endpoints `source` and `destination`.
    static func request(for policy: KernelPolicy, source: IPAddress, destination: IPAddress) -> AcquireRequest {
        let selector = policy.selector
        // ICMP type and code ride in the port fields; they are not ports to negotiate.
        let ports = selector.upperProtocol != 1 && selector.upperProtocol != 58
        let traffic = TrafficSelector(
            local: selector.source.range, remote: selector.destination.range, upperProtocol: selector.upperProtocol,
            localPort: ports && selector.sourcePortMask == 0xFFFF ? selector.sourcePort : 0,
            remotePort: ports && selector.destinationPortMask == 0xFFFF ? selector.destinationPort : 0)
        return AcquireRequest(localAddress: source, remoteAddress: destination, selector: traffic)
    }
}
