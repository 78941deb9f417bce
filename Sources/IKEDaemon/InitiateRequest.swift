import IKEEngine
import IKEKernel
import IPsecTypes

/// The outer addresses of a tunnel interface.
public struct TunnelEndpoints: Sendable, Hashable {
    public var local: IPAddress
    public var remote: IPAddress
    public init(local: IPAddress, remote: IPAddress) {
        self.local = local
        self.remote = remote
    }
}

/// `ikeadm initiate SRC DST` names traffic, as the packet behind a kernel ACQUIRE does: the request
/// is for the policy that covers it, negotiated between that policy's IKE endpoints — the tunnel's
/// outer addresses for a tunnel entry, the traffic's own addresses in transport mode — under the
/// ike.config rule for those endpoints.
enum InitiateRequest {
    static func make(source: IPAddress, destination: IPAddress, kernelPolicies: [KernelPolicy]?, settings: EngineSettings,
                     tunnel: (String) -> TunnelEndpoints?) -> Result<AcquireRequest, DaemonError> {
        let traffic = TrafficSelector(local: AddressRange(source), remote: AddressRange(destination))
        let request: AcquireRequest
        if let kernelPolicies, let policy = kernelPolicies.first(.out, covering: traffic), policy.action == .allow, let template = policy.templates.first {
            // The kernel's own policy knows the tunnel endpoints (ipsecconf resolved the interface).
            if template.mode == .tunnel, let outerSource = template.tunnelSource, let outerDestination = template.tunnelDestination {
                request = KernelBridge.request(for: policy, source: outerSource, destination: outerDestination)
            } else {
                request = KernelBridge.request(for: policy, source: source, destination: destination)
            }
        } else {
            guard let entry = settings.policy(for: traffic, initiating: true) else {
                return .failure(DaemonError("no IPsec policy protects \(traffic)"))
            }
            if let name = entry.pattern.tunnelInterface, entry.pattern.negotiate != .transport {
                guard let outer = tunnel(name) else {
                    return .failure(DaemonError("tunnel \(name): no such tunnel interface with a local and a remote address (with --kernel memory, name it: --tunnel \(name)=LOCAL,REMOTE)"))
                }
                request = AcquireRequest(localAddress: outer.local, remoteAddress: outer.remote, selector: traffic)
            } else {
                request = AcquireRequest(localAddress: source, remoteAddress: destination, selector: traffic)
            }
        }
        guard settings.rules.rule(local: request.localAddress, remote: request.remoteAddress) != nil else {
            return .failure(DaemonError("no ike.config rule covers \(request.localAddress) -> \(request.remoteAddress)"))
        }
        return .success(request)
    }
}
