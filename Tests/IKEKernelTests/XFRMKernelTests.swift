import Foundation
@testable import IKEKernel
import IKEConfig
import IKETestSupport
import IPsecTypes
import Testing

/// The XFRM port against the running kernel, each test in a namespace of its own (root). These need
/// XFRM netlink, not ESP: real SAs are tested in a guest with ESP (RealESPTests, KernelGuestTests).
@Suite("XFRM kernel port in a network namespace", .serialized, .enabled(if: Prerequisites.namespaces.runs, "needs root and iproute2"))
struct XFRMKernelTests {
    static func policies(_ text: String) throws -> [KernelPolicy] {
        let entries = try IPsecPolicyParser.load(text, file: "ipsecinit.conf")
        return try entries.enumerated().flatMap { try PolicyTranslation.policies(for: $1, index: $0 + 1) }
    }

    @Test("policies load, read back with their kernel index, and go by delete and flush")
    func policyRoundTrip() throws {
        try Prerequisites.namespaces.require()
        let namespace = try NetworkNamespace(prefix: "ikek")
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        #expect(kernel.policies == [])
        let wanted = try Self.policies("""
            {laddr 192.0.2.1 raddr 192.0.2.2 ulp tcp rport 443} ipsec {encr_algs aes encr_auth_algs sha1}
            {raddr 198.51.100.0/24} drop {dir out}
            """)
        let installed = try wanted.map { try kernel.installPolicy($0) }
        let read = try #require(kernel.policies)
        #expect(read.count == wanted.count && read.allSatisfy { $0.index != 0 })
        for policy in wanted {
            let found = read.first { $0.direction == policy.direction && $0.selector == policy.selector }
            var expected = policy
            expected.index = found?.index ?? 0
            #expect(found == expected)
        }
        #expect(namespace.ip("xfrm", "policy").output.contains("proto esp reqid 65537 mode transport"))
        // Deleted by selector (the add's answer has no index), then by the index read back.
        try kernel.deletePolicy(installed[0])
        #expect(try #require(kernel.policies).count == wanted.count - 1)
        let byIndex = try #require(kernel.policies?.first { $0.selector == wanted[1].selector && $0.direction == wanted[1].direction })
        try kernel.deletePolicy(byIndex)
        #expect(try #require(kernel.policies).count == wanted.count - 2)
        try kernel.refreshPolicies()
        #expect(try #require(kernel.policies).count == wanted.count - 2)
        try kernel.flushPolicies()
        #expect(namespace.ip("xfrm", "policy").output.isEmpty)
        #expect(throws: KernelError.self) { try kernel.deletePolicy(installed[1]) }
    }

    /// Polls the port's events for up to five seconds.
    static func events(_ kernel: XFRMKernel, until done: ([KernelEvent]) -> Bool) -> [KernelEvent] {
        var seen: [KernelEvent] = []
        for _ in 0..<50 {
            seen += kernel.receiveEvents()
            if done(seen) { break }
            usleep(100_000)
        }
        return seen
    }

    @Test("a packet that needs an SA raises an ACQUIRE naming the policy and its template; policy changes are noticed")
    func acquire() throws {
        try Prerequisites.namespaces.require()
        let namespace = try NetworkNamespace(prefix: "ikek")
        // A veth pair inside the namespace gives 192.0.2.0/24 a route (dummy links need a module).
        namespace.ip("link", "add", "v0", "type", "veth", "peer", "name", "v1")
        namespace.ip("addr", "add", "192.0.2.1/24", "dev", "v0")
        namespace.ip("link", "set", "v0", "up")
        namespace.ip("link", "set", "v1", "up")
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        for policy in try Self.policies("{laddr 192.0.2.1 raddr 192.0.2.2} ipsec {encr_algs aes encr_auth_algs sha1}") {
            _ = try kernel.installPolicy(policy)
        }
        #expect(Self.events(kernel) { $0.contains(.policiesChanged) }.contains(.policiesChanged))
        namespace.run(["/bin/bash", "-c", "echo probe > /dev/udp/192.0.2.2/9"])
        let seen = Self.events(kernel) { $0.contains { if case .acquire = $0 { true } else { false } } }
        guard case .acquire(let acquire)? = seen.first(where: { if case .acquire = $0 { true } else { false } }) else {
            Issue.record("no ACQUIRE; events: \(seen)")
            return
        }
        #expect(acquire.source == IPAddress("192.0.2.1") && acquire.destination == IPAddress("192.0.2.2"))
        #expect(acquire.template == KernelTemplate(protocolID: .esp, mode: .transport, reqid: PolicyTranslation.reqidBase + 1))
        #expect(acquire.policy.direction == .out && acquire.flow.upperProtocol == 17)
        #expect(acquire.sequence != 0)
    }

    @Test("ALLOCSPI reserves an SPI in the kernel; a delete by someone else is reported")
    func allocateSPI() throws {
        try Prerequisites.namespaces.require()
        let namespace = try NetworkNamespace(prefix: "ikek")
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        let peer = try #require(IPAddress("192.0.2.2")), us = try #require(IPAddress("192.0.2.1"))
        let first = try kernel.allocateSPI(protocolID: .esp, source: peer, destination: us)
        let second = try kernel.allocateSPI(protocolID: .esp, source: peer, destination: us)
        #expect(first >= 0x100 && second >= 0x100 && first != second)
        let state = namespace.ip("xfrm", "state").output
        #expect(state.contains(String(format: "spi 0x%08x", first)) && state.contains(String(format: "spi 0x%08x", second)))
        _ = kernel.receiveEvents()
        namespace.ip("xfrm", "state", "delete", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp", "spi", String(first))
        let seen = Self.events(kernel) { $0.contains(.deleted(spi: first, protocolID: .esp, destination: us)) }
        #expect(seen.contains(.deleted(spi: first, protocolID: .esp, destination: us)))
        namespace.ip("xfrm", "state", "flush")
        #expect(Self.events(kernel) { $0.contains(.flushed) }.contains(.flushed))
    }

    @Test("start-up says what the kernel lacks: without ESP, in.iked names it and exits")
    func missingESP() throws {
        try Prerequisites.namespaces.require()
        let namespace = try NetworkNamespace(prefix: "ikek")
        do {
            _ = try XFRMKernel(probe: true, namespace: namespace.name)
            // A kernel with ESP: the probe's SA is gone again.
            #expect(namespace.ip("xfrm", "state").output.isEmpty)
        } catch {
            #expect(error.reason.contains("no ESP"), "\(error)")
            let binary = try #require(ProductRunner.path(of: "in.iked"))
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("ikek-\(UUID())").path
            defer { try? FileManager.default.removeItem(atPath: root) }
            let outcome = namespace.run([binary, "--root", root, "--kernel", "xfrm"])
            #expect(outcome.status == 1)
            #expect(outcome.output.contains("this kernel has no ESP"), "\(outcome.output)")
        }
    }

    @Test("ipsecconf loads, lists, deletes and flushes; a bad file loads nothing and names file:line:column")
    func ipsecconf() throws {
        try Prerequisites.namespaces.require()
        let namespace = try NetworkNamespace(prefix: "ikek")
        let binary = try #require(ProductRunner.path(of: "ipsecconf"))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ikek-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let good = root + "/ipsecinit.conf", bad = root + "/bad.conf"
        try """
            # host to host
            {laddr 192.0.2.1 raddr 192.0.2.2} ipsec {encr_algs aes encr_auth_algs sha1}
            {ulp ipv6-icmp type 133-137 dir both} pass {}
            """.write(toFile: good, atomically: true, encoding: .utf8)
        try "{laddr 192.0.2.1 raddr 192.0.2.3} ipsec {encr_algs aes}\n{raddr 10.0.0.1} ipsec {encr_algs rot13}\n".write(toFile: bad, atomically: true, encoding: .utf8)
        func conf(_ arguments: String...) -> Spawn.Outcome { namespace.run([binary, "--root", root] + arguments) }

        #expect(conf("-c", good).status == 0)
        let refused = conf("-a", bad)
        #expect(refused.status == 1 && refused.output.contains("\(bad):2:35: unknown algorithm 'rot13'"), "\(refused.output)")
        #expect(namespace.ip("xfrm", "policy").output.isEmpty)

        #expect(conf("-a", good).status == 0)
        #expect(namespace.ip("xfrm", "policy").output.components(separatedBy: "dir ").count - 1 == 2 + 6)
        let listed = conf()
        #expect(listed.output.contains("#INDEX 1\n{ laddr 192.0.2.1 raddr 192.0.2.2 } ipsec { encr_algs aes encr_auth_algs sha1 sa shared }"))
        #expect(listed.output.contains("#INDEX 2\n{ ulp ipv6-icmp type 133-137 dir both } pass {}"))
        let spd = conf("-l").output
        #expect(spd.contains("(entry 1)") && spd.contains("src 192.0.2.1/32 dst 192.0.2.2/32 allow esp transport reqid 65537"))
        // Bypass entries are applied first.
        #expect(spd.range(of: "proto 58")?.lowerBound ?? spd.endIndex < spd.range(of: "esp transport")?.lowerBound ?? spd.startIndex)
        #expect(conf("-d", "1").status == 0)
        #expect(!namespace.ip("xfrm", "policy").output.contains("192.0.2.2"))
        #expect(!conf().output.contains("#INDEX 1"))
        #expect(conf("-d", "1").status == 1)
        // The pass entry is still loaded: the kernel refuses its duplicate, and the run's first entry goes again.
        let before = namespace.ip("xfrm", "policy").output
        let duplicate = conf("-a", good)
        #expect(duplicate.status == 1 && duplicate.output.contains("\(good):3:1: the kernel refused"), "\(duplicate.output)")
        #expect(namespace.ip("xfrm", "policy").output == before)
        let hostOnly = root + "/host.conf"
        try "{laddr 192.0.2.1 raddr 192.0.2.2} ipsec {encr_algs aes encr_auth_algs sha1}\n".write(toFile: hostOnly, atomically: true, encoding: .utf8)
        #expect(conf("-a", hostOnly).status == 0)
        #expect(conf().output.contains("#INDEX 3"))
        #expect(conf("-F").status == 0)
        #expect(namespace.ip("xfrm", "policy").output.isEmpty && !conf().output.contains("#INDEX"))
    }
}
