import Foundation
@testable import IKEKernel
import IKEConfig
import IKETestSupport
import IPsecTypes
import Testing

/// SA installation against a kernel with ESP. CI hosts may lack ESP: there these run inside the QEMU
/// guest (KernelGuestTests starts them with IKE_GUEST=1, where missing ESP is a failure).
@Suite("XFRM SAs in a kernel with ESP", .serialized, .enabled(if: Prerequisites.espRunsHere, "needs a kernel with ESP (these run in the QEMU guest)"))
struct RealESPTests {
    /// A namespace whose kernel takes ESP SAs.
    static func namespace() throws -> NetworkNamespace {
        if let missing = Prerequisites.missingESP { throw Prerequisite.Missing(description: missing) }
        return try NetworkNamespace(prefix: "ikeesp")
    }

    struct Suite: Sendable, CustomTestStringConvertible {
        var protocolID: SecurityProtocol
        var encryption: ESPTransformID?
        var bits: Int
        var integrity: IPsecAuthAlgorithm?
        /// The kernel's names, and the ICV length in bits.
        var cipherName: String?
        var authName: String
        var truncation: Int
        var testDescription: String { [cipherName, authName].compactMap { $0 }.joined(separator: " + ") }
    }

    static let suites: [Suite] = [
        Suite(protocolID: .esp, encryption: .aes, bits: 128, integrity: .hmacSHA1, cipherName: "cbc(aes)", authName: "hmac(sha1)", truncation: 96),
        Suite(protocolID: .esp, encryption: .aes, bits: 256, integrity: .hmacSHA256, cipherName: "cbc(aes)", authName: "hmac(sha256)", truncation: 128),
        Suite(protocolID: .esp, encryption: .tripleDES, bits: 192, integrity: .hmacMD5, cipherName: "cbc(des3_ede)", authName: "hmac(md5)", truncation: 96),
        Suite(protocolID: .esp, encryption: .blowfish, bits: 128, integrity: .hmacSHA512, cipherName: "cbc(blowfish)", authName: "hmac(sha512)", truncation: 256),
        Suite(protocolID: .esp, encryption: .null, bits: 0, integrity: .hmacSHA384, cipherName: "ecb(cipher_null)", authName: "hmac(sha384)", truncation: 192),
        Suite(protocolID: .esp, encryption: .des, bits: 64, integrity: .hmacSHA1, cipherName: "cbc(des)", authName: "hmac(sha1)", truncation: 96),
        Suite(protocolID: .ah, encryption: nil, bits: 0, integrity: .hmacSHA256, cipherName: nil, authName: "hmac(sha256)", truncation: 128),
    ]

    static func hex(_ key: SecretBytes) -> String { key.revealed().map { String(format: "%02x", $0) }.joined() }

    static let us = IPAddress("192.0.2.1")!, peer = IPAddress("192.0.2.2")!

    static func pair(_ suite: Suite, inboundSPI: UInt32, outboundSPI: UInt32, window: UInt32 = 32) -> (IPsecSA, IPsecSA) {
        let keyLength = suite.encryption == .tripleDES ? 24 : suite.encryption == .des ? 8 : suite.bits / 8
        func make(_ spi: UInt32, from source: IPAddress, to destination: IPAddress) -> IPsecSA {
            IPsecSA(spi: spi, protocolID: suite.protocolID, source: source, destination: destination, mode: .transport,
                    selector: TrafficSelector(local: AddressRange(source), remote: AddressRange(destination)),
                    encryption: suite.encryption, encryptionKeyBits: suite.bits, encryptionKey: SecretBytes((0..<keyLength).map { UInt8($0 * 7 & 0xFF) }),
                    integrity: suite.integrity, integrityKey: SecretBytes((0..<(suite.integrity?.keyLength ?? 0)).map { UInt8($0 * 13 & 0xFF) }),
                    lifetime: SALifetime(softSeconds: 2880, hardSeconds: 3600), replayWindow: window)
        }
        return (make(inboundSPI, from: peer, to: us), make(outboundSPI, from: us, to: peer))
    }

    static func loadPolicy(_ kernel: XFRMKernel, protocolID: SecurityProtocol) throws {
        let text = protocolID == .esp ? "{laddr 192.0.2.1 raddr 192.0.2.2} ipsec {encr_algs aes encr_auth_algs sha1}" : "{laddr 192.0.2.1 raddr 192.0.2.2} ipsec {auth_algs sha1}"
        let entry = try #require(try IPsecPolicyParser.load(text, file: "ipsecinit.conf").first)
        for policy in try PolicyTranslation.policies(for: entry, index: 1) { _ = try kernel.installPolicy(policy) }
    }

    @Test("every algorithm installs with the kernel's names and truncations, the policy's reqid, and goes again", arguments: suites)
    func install(_ suite: Suite) throws {
        let namespace = try Self.namespace()
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        try Self.loadPolicy(kernel, protocolID: suite.protocolID)
        let inboundSPI = try kernel.allocateSPI(protocolID: suite.protocolID, source: Self.peer, destination: Self.us)
        let (inbound, outbound) = Self.pair(suite, inboundSPI: inboundSPI, outboundSPI: 0x5000_0001)
        try kernel.install(inbound: inbound, outbound: outbound)
        let state = namespace.ip("xfrm", "state").output
        // The kernel shows each algorithm with its key (and the ICV length): names, keys and truncation arrived as sent.
        var shown = ["proto \(suite.protocolID == .esp ? "esp" : "ah") spi", "auth-trunc \(suite.authName) 0x\(Self.hex(inbound.integrityKey)) \(suite.truncation)"]
        if let cipherName = suite.cipherName {
            shown.append(inbound.encryptionKey.count == 0 ? "enc \(cipherName)" : "enc \(cipherName) 0x\(Self.hex(inbound.encryptionKey))")
        }
        for text in shown { #expect(state.contains(text), "\(text) not in \(state)") }
        #expect(state.components(separatedBy: "reqid 65537").count - 1 == 2)
        #expect(state.components(separatedBy: "replay-window 32").count - 1 == 2)
        #expect(kernel.installed.count == 2)
        #expect(kernel.byteCount(spi: inboundSPI, protocolID: suite.protocolID, destination: Self.us) == 0)
        try kernel.delete(spi: inbound.spi, protocolID: inbound.protocolID, destination: inbound.destination)
        try kernel.delete(spi: outbound.spi, protocolID: outbound.protocolID, destination: outbound.destination)
        #expect(namespace.ip("xfrm", "state").output.isEmpty && kernel.installed.isEmpty)
        #expect(kernel.byteCount(spi: inboundSPI, protocolID: suite.protocolID, destination: Self.us) == nil)
    }

    @Test("a refused outbound SA takes its inbound half with it, and the error names the SA")
    func rollback() throws {
        let namespace = try Self.namespace()
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        let suite = Self.suites[0]
        let (_, existing) = Self.pair(suite, inboundSPI: 0x6000_0001, outboundSPI: 0x6000_0002)
        let (other, _) = Self.pair(suite, inboundSPI: 0x6000_0003, outboundSPI: 0x6000_0004)
        try kernel.install(inbound: other, outbound: existing)
        try kernel.delete(spi: other.spi, protocolID: .esp, destination: Self.us)
        // The outbound SPI is taken: the kernel says so, and the new inbound SA does not stay.
        let (inbound, outbound) = Self.pair(suite, inboundSPI: 0x6000_0005, outboundSPI: 0x6000_0002)
        #expect {
            try kernel.install(inbound: inbound, outbound: outbound)
        } throws: { error in
            (error as? KernelError).map { $0.description.contains("outbound SA 0x60000002 192.0.2.1 -> 192.0.2.2") && $0.errno == EEXIST } ?? false
        }
        let state = namespace.ip("xfrm", "state").output
        #expect(!state.contains("0x60000005") && state.contains("0x60000002"))
    }

    @Test("a replay window of 128 packets is installed as a bitmap window")
    func wideWindow() throws {
        let namespace = try Self.namespace()
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        let (inbound, outbound) = Self.pair(Self.suites[0], inboundSPI: 0x7000_0001, outboundSPI: 0x7000_0002, window: 128)
        try kernel.install(inbound: inbound, outbound: outbound)
        #expect(namespace.ip("xfrm", "state").output.contains("replay_window 128, bitmap-length 4"))
    }

    @Test("an ESP-in-UDP SA (for NAT traversal) is accepted with its ports")
    func udpEncapsulation() throws {
        let namespace = try Self.namespace()
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        var (inbound, outbound) = Self.pair(Self.suites[0], inboundSPI: 0x7100_0001, outboundSPI: 0x7100_0002)
        inbound.udpEncapsulation = UDPEncapsulation(sourcePort: 4500, destinationPort: 4500)
        outbound.udpEncapsulation = UDPEncapsulation(sourcePort: 4500, destinationPort: 4500)
        try kernel.install(inbound: inbound, outbound: outbound)
        let state = namespace.ip("xfrm", "state").output
        #expect(state.components(separatedBy: "encap type espinudp sport 4500 dport 4500").count - 1 == 2, "\(state)")
    }

    @Test("ipsecconf takes a tunnel entry's outer addresses from the tunnel interface")
    func tunnelInterface() throws {
        let namespace = try Self.namespace()
        let made = namespace.ip("link", "add", "ip.tun0", "type", "ipip", "local", "203.0.113.1", "remote", "203.0.113.2")
        #expect(made.status == 0, "\(made.errors)")
        let endpoints = try #require(TunnelInterfaces.endpoints(of: "ip.tun0", namespace: namespace.name))
        #expect(TunnelInterfaces.endpoints(of: "ip.tun9", namespace: namespace.name) == nil)
        #expect(endpoints.local == IPAddress("203.0.113.1") && endpoints.remote == IPAddress("203.0.113.2"))
        let binary = try #require(ProductRunner.path(of: "ipsecconf"))
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ikeesp-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "{tunnel ip.tun0 negotiate tunnel laddr 10.0.0.0/24 raddr 10.9.0.0/24} ipsec {encr_algs aes encr_auth_algs sha1}\n"
            .write(toFile: root + "/tunnel.conf", atomically: true, encoding: .utf8)
        let loaded = namespace.run([binary, "--root", root, "-a", root + "/tunnel.conf"])
        #expect(loaded.status == 0, "\(loaded.output)")
        let policy = namespace.ip("xfrm", "policy").output
        #expect(policy.contains("tmpl src 203.0.113.1 dst 203.0.113.2") && policy.contains("tmpl src 203.0.113.2 dst 203.0.113.1"), "\(policy)")
        #expect(policy.contains("dir fwd") && policy.contains("mode tunnel"))
    }

    @Test("after lost notifications the port finds which of its SAs the kernel no longer has")
    func reconcile() throws {
        let namespace = try Self.namespace()
        let kernel = try XFRMKernel(probe: false, namespace: namespace.name)
        let (inbound, outbound) = Self.pair(Self.suites[0], inboundSPI: 0x7200_0001, outboundSPI: 0x7200_0002)
        try kernel.install(inbound: inbound, outbound: outbound)
        #expect(kernel.reconcile().isEmpty)
        namespace.ip("xfrm", "state", "delete", "src", "192.0.2.2", "dst", "192.0.2.1", "proto", "esp", "spi", "0x72000001")
        #expect(kernel.reconcile() == [.deleted(spi: 0x7200_0001, protocolID: .esp, destination: Self.us)])
        #expect(kernel.installed.map(\.spi) == [0x7200_0002])
    }
}
