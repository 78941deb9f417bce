import Foundation
import IKEConfig
import IKEKernel
import IPsecTypes

/// `ikebench xfrm N`: time to install N SA pairs through XFRM netlink as the daemon does (ALLOCSPI for
/// the inbound SPI, UPDSA inbound, NEWSA outbound) and without ALLOCSPI (NEWSA both), then to delete
/// them, in the current network namespace (run as root in a kernel with ESP: scripts/kvm/bench-kernel.sh).
/// ESP AES-128-CBC/HMAC-SHA1-96, transport, one policy covering every pair (its reqid is looked up).
func xfrmBenchmark(pairs: Int) throws {
    let kernel = try XFRMKernel()
    let entry = try IPsecPolicyParser.load("{laddr 10.0.0.1 raddr 10.1.0.0/16} ipsec {encr_algs aes(128) encr_auth_algs sha1}", file: "bench")
    for policy in try PolicyTranslation.policies(for: entry[0], index: 1) { _ = try kernel.installPolicy(policy) }
    guard let us = IPAddress("10.0.0.1") else { return }
    func peer(_ index: Int) -> IPAddress { IPAddress(integer: 0x0A01_0000 + UInt128(index % 65_000) + 1, isIPv4: true) }
    func sa(_ spi: UInt32, from source: IPAddress, to destination: IPAddress) -> IPsecSA {
        IPsecSA(spi: spi, protocolID: .esp, source: source, destination: destination, mode: .transport,
                selector: TrafficSelector(local: AddressRange(source), remote: AddressRange(destination)),
                encryption: .aes, encryptionKeyBits: 128, encryptionKey: SecretBytes([UInt8](repeating: 0x11, count: 16)),
                integrity: .hmacSHA1, integrityKey: SecretBytes([UInt8](repeating: 0x22, count: 20)),
                lifetime: SALifetime(softSeconds: 3240, hardSeconds: 3600), replayWindow: 32)
    }
    let clock = ContinuousClock()
    func report(_ name: String, _ duration: Duration) {
        let micros = (Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12) / Double(pairs)
        let padded = name + String(repeating: " ", count: max(0, 60 - name.count))
        print("\(padded) \(String(format: "%10.1f", micros)) µs/pair")
    }
    for allocate in [true, false] {
        var installed: [(IPsecSA, IPsecSA)] = []
        let start = clock.now
        for index in 0..<pairs {
            let remote = peer(index)
            let inboundSPI = allocate ? try kernel.allocateSPI(protocolID: .esp, source: remote, destination: us) : 0x2000_0000 + UInt32(index)
            let pair = (sa(inboundSPI, from: remote, to: us), sa(0x4000_0000 + UInt32(index), from: us, to: remote))
            try kernel.install(inbound: pair.0, outbound: pair.1)
            installed.append(pair)
        }
        report(allocate ? "install pair: ALLOCSPI + UPDSA + NEWSA (the daemon's path)" : "install pair: NEWSA + NEWSA", clock.now - start)
        let deleting = clock.now
        for (inbound, outbound) in installed {
            try kernel.delete(spi: inbound.spi, protocolID: .esp, destination: inbound.destination)
            try kernel.delete(spi: outbound.spi, protocolID: .esp, destination: outbound.destination)
        }
        report("delete pair: DELSA + DELSA", clock.now - deleting)
    }
    try kernel.flushPolicies()
}
