import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import Testing

/// p2_softlife_kb and p2_idletime_secs take effect: the soft byte limit the kernel expires an SA at,
/// and deletion of a pair whose counters stood still for the idle time.
@Suite("IPsec SA soft byte limit and idle time")
struct IPsecLifetimeTests {
    @Test("p2_softlife_kb is the SA's soft byte limit, in its share of a shortened hard limit",
          arguments: [(2000, 1000, 1_024_000), (2000, 0, 1_843_200), (0, 300, 307_200)])
    func softBytes(hardKB: Int, softKB: Int, expected: UInt64) throws {
        var extra = ""
        if hardKB > 0 { extra += "p2_lifetime_kb \(hardKB)\n" }
        if softKB > 0 { extra += "p2_softlife_kb \(softKB)\n" }
        let settings = try Scenario.settings(config: Scenario.config(extra: extra))
        let network = Scenario.established(settings)
        for sa in network.nodes[0].kernel.installed.values {
            #expect(sa.lifetime.softBytes == expected, "hard \(hardKB) kB soft \(softKB) kB")
            #expect(sa.lifetime.hardBytes == UInt64(hardKB) * 1024)
        }
        var halved = Phase2Settings()
        halved.lifetimeKilobytes = 1000
        halved.softLifetimeKilobytes = 500
        #expect(IKEEngine.softBytes(hard: 500 * 1024, halved) == 250 * 1024, "a peer that halved the hard limit halves the soft one")
        var largest = Phase2Settings()
        largest.lifetimeKilobytes = UInt32.max
        largest.softLifetimeKilobytes = UInt32.max - 1
        #expect(IKEEngine.softBytes(hard: UInt64(UInt32.max) * 1024, largest) < UInt64(UInt32.max) * 1024, "no overflow at the largest values")
    }

    /// Counters the test moves, as the kernel's would with traffic.
    final class Counters: KernelOracle {
        var bytes: [UInt32: UInt64] = [:]
        func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) -> UInt32? { nil }
        func inboundPolicy(for selector: TrafficSelector) -> InboundPolicyVerdict { .notKept }
        func bytesCarried(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64? { bytes[spi, default: 0] }
    }

    @Test("p2_idletime_secs: a pair that carries traffic stays; once its counters stand still for the idle time it is deleted on both sides")
    func idleTime() throws {
        let settings = try Scenario.settings(config: Scenario.config(extra: "p2_idletime_secs 60"))
        let network = Scenario.established(settings)
        let counters = Counters()
        network.nodes[0].engine.kernel = counters
        let spi = try #require(network.nodes[0].engine.ipsecSAs.keys.first)
        // Traffic every 20 s for three minutes: the pair lives.
        for _ in 0..<9 {
            counters.bytes[spi, default: 0] += 1500
            network.advance(seconds: 20)
        }
        #expect(network.nodes[0].engine.ipsecSAs[spi] != nil)
        // Then silence: deleted within the idle time plus one check.
        network.advance(seconds: 125)
        #expect(network.nodes[0].engine.ipsecSAs[spi] == nil)
        #expect(network.nodes[0].engine.statistics.ipsecSAsIdleDeleted == 1)
        #expect(network.nodes[0].kernel.installed.isEmpty && network.nodes[1].kernel.installed.isEmpty, "the peer was told")
    }

    @Test("without counters from the kernel the idle time cannot be applied, and says so")
    func idleWithoutCounters() throws {
        let settings = try Scenario.settings(config: Scenario.config(extra: "p2_idletime_secs 60"))
        let network = Scenario.established(settings)
        network.advance(seconds: 120)
        #expect(network.nodes[0].kernel.installed.count == 2)
        #expect(network.nodes[0].logs.contains { $0.message.contains("p2_idletime_secs cannot be applied") })
    }
}
