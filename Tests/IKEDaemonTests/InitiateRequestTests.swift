import IKEConfig
@testable import IKEDaemon
import IKEEngine
import IKEKernel
import IPsecTypes
import Testing

/// `ikeadm initiate SRC DST` names traffic; the request is what an ACQUIRE for it would be.
@Suite("ikeadm initiate: from traffic to IKE endpoints")
struct InitiateRequestTests {
    static let config = """
        p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes }
        { label "tunnel" local_addr 192.0.2.1 remote_addr 192.0.2.2 }
        { label "hosts" local_addr 192.0.2.1 remote_addr 192.0.2.9 }
        """
    static let policy = """
        {tunnel tun0 negotiate tunnel laddr 198.51.100.0/24 raddr 203.0.113.0/24} ipsec {encr_algs aes encr_auth_algs sha1}
        {laddr 192.0.2.1 raddr 192.0.2.9} ipsec {encr_algs aes encr_auth_algs sha1}
        """

    static func settings() throws -> EngineSettings {
        EngineSettings(configuration: try IKEConfigParser.load(config, file: "config"), presharedKeys: PresharedKeys(),
                       policies: try IPsecPolicyParser.load(policy, file: "ipsecinit.conf"))
    }

    static let a = IPAddress("192.0.2.1")!, b = IPAddress("192.0.2.2")!
    static func tun0(_ name: String) -> TunnelEndpoints? { name == "tun0" ? TunnelEndpoints(local: a, remote: b) : nil }

    @Test("a tunnel entry's traffic is negotiated between the tunnel interface's outer addresses")
    func tunnelFromPolicyFile() throws {
        let request = try InitiateRequest.make(source: IPAddress("198.51.100.1")!, destination: IPAddress("203.0.113.1")!, kernelPolicies: nil,
                                               settings: Self.settings(), tunnel: Self.tun0).get()
        #expect(request.localAddress == Self.a && request.remoteAddress == Self.b)
        #expect(request.selector.local == AddressRange(IPAddress("198.51.100.1")!))
    }

    @Test("with the kernel's policy the tunnel template's endpoints decide, and the policy's selector is the traffic")
    func tunnelFromKernelPolicy() throws {
        let selector = KernelSelector(source: KernelPrefix(IPAddress("198.51.100.0")!, length: 24), destination: KernelPrefix(IPAddress("203.0.113.0")!, length: 24))
        let template = KernelTemplate(protocolID: .esp, mode: .tunnel, reqid: 0x10000, tunnelSource: Self.a, tunnelDestination: Self.b)
        let policy = KernelPolicy(direction: .out, selector: selector, action: .allow, priority: 1000, templates: [template])
        let request = try InitiateRequest.make(source: IPAddress("198.51.100.7")!, destination: IPAddress("203.0.113.8")!, kernelPolicies: [policy],
                                               settings: Self.settings(), tunnel: { _ in nil }).get()
        #expect(request.localAddress == Self.a && request.remoteAddress == Self.b)
        #expect(request.selector.local.prefixLength == 24 && request.selector.remote.prefixLength == 24)
    }

    @Test("transport traffic is its own endpoints; uncovered traffic, unknown tunnels and missing rules are errors")
    func transportAndErrors() throws {
        let settings = try Self.settings()
        let transport = try InitiateRequest.make(source: Self.a, destination: IPAddress("192.0.2.9")!, kernelPolicies: nil, settings: settings, tunnel: Self.tun0).get()
        #expect(transport.remoteAddress == IPAddress("192.0.2.9")!)
        func error(_ source: String, _ destination: String, tunnel: @escaping (String) -> TunnelEndpoints? = Self.tun0) -> String {
            if case .failure(let problem) = InitiateRequest.make(source: IPAddress(source)!, destination: IPAddress(destination)!, kernelPolicies: nil, settings: settings, tunnel: tunnel) {
                return problem.message
            }
            return ""
        }
        #expect(error("192.0.2.1", "192.0.2.2").contains("no IPsec policy protects"))
        #expect(error("198.51.100.1", "203.0.113.1", tunnel: { _ in nil }).contains("tunnel tun0: no such tunnel interface"))
        #expect(error("198.51.100.1", "203.0.113.1", tunnel: { _ in TunnelEndpoints(local: Self.a, remote: IPAddress("192.0.2.77")!) }).contains("no ike.config rule covers 192.0.2.1 -> 192.0.2.77"))
    }
}
