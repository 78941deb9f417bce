import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import Testing

/// A kernel that answers SPI requests from a counter and inbound-policy questions with a fixed verdict.
final class ScriptedKernel: KernelOracle {
    var verdict: InboundPolicyVerdict
    var nextSPI: UInt32?
    private(set) var questions: [TrafficSelector] = []
    private(set) var allocations: [(SecurityProtocol, IPAddress, IPAddress)] = []

    init(verdict: InboundPolicyVerdict, firstSPI: UInt32? = 0x1000) {
        self.verdict = verdict
        self.nextSPI = firstSPI
    }

    func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) -> UInt32? {
        allocations.append((protocolID, source, destination))
        defer { nextSPI = nextSPI.map { $0 + 1 } }
        return nextSPI
    }

    func inboundPolicy(for selector: TrafficSelector) -> InboundPolicyVerdict {
        questions.append(selector)
        return verdict
    }
}

@Suite("The engine asks the kernel for SPIs and for its inbound policy")
struct KernelOracleTests {
    static let transport = InboundPolicyVerdict.protected(protocols: [.esp], mode: .transport)

    private func network(initiator: ScriptedKernel?, responder: ScriptedKernel?) throws -> EngineNetwork {
        let network = Scenario.pair(initiator: try Scenario.settings(), responder: try Scenario.settings())
        network.nodes[0].engine.kernel = initiator
        network.nodes[1].engine.kernel = responder
        return network
    }

    @Test("SPIs come from the kernel on both sides, for inbound SAs from the peer")
    func kernelSPIs() throws {
        let initiatorKernel = ScriptedKernel(verdict: Self.transport, firstSPI: 0x1000)
        let responderKernel = ScriptedKernel(verdict: Self.transport, firstSPI: 0x2000)
        let network = try network(initiator: initiatorKernel, responder: responderKernel)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        #expect(Set(network.nodes[0].kernel.installed.keys) == [0x1000, 0x2000])
        #expect(initiatorKernel.allocations.count == 1 && responderKernel.allocations.count == 1)
        let (protocolID, source, destination) = try #require(responderKernel.allocations.first)
        #expect(protocolID == .esp && source == network.nodes[0].address && destination == network.nodes[1].address)
        // The responder asked about the traffic with its own side local.
        #expect(responderKernel.questions == [TrafficSelector(local: AddressRange(network.nodes[1].address), remote: AddressRange(network.nodes[0].address))])
    }

    @Test("the responder refuses what its kernel policy does not ask to protect, or protects otherwise", arguments: [
        (InboundPolicyVerdict.unprotected, "no kernel IPsec policy"),
        (InboundPolicyVerdict.protected(protocols: [.ah], mode: .transport), "no acceptable proposal"),
        (InboundPolicyVerdict.protected(protocols: [.esp], mode: .tunnel), "no acceptable proposal"),
    ])
    func refusals(_ verdict: InboundPolicyVerdict, _ logged: String) throws {
        let network = try network(initiator: nil, responder: ScriptedKernel(verdict: verdict))
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 2000) { network.nodes[1].engine.statistics.quickModeFailed == 1 })
        network.advance(seconds: 5)
        #expect(network.nodes[0].kernel.installed.isEmpty && network.nodes[1].kernel.installed.isEmpty)
        #expect(network.nodes[1].logs.contains { $0.message.contains(logged) })
    }

    @Test("no SPI from the kernel: no Quick Mode is offered")
    func noSPI() throws {
        let network = try network(initiator: ScriptedKernel(verdict: Self.transport, firstSPI: nil), responder: nil)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { network.nodes[0].engine.statistics.quickModeFailed == 1 })
        network.advance(seconds: 5)
        #expect(network.nodes[1].engine.statistics.quickModeCompleted == 0)
        #expect(network.nodes[0].logs.contains { $0.level == .error && $0.message.contains("allocated no SPI") })
    }

    private func established() throws -> EngineNetwork {
        let network = try network(initiator: nil, responder: nil)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        return network
    }

    @Test("a pair the kernel refused is forgotten, and the peer is told to delete its side")
    func installFailed() throws {
        let network = try established()
        let inbound = try #require(network.nodes[1].engine.ipsecSummaries.first?.inboundSPI)
        network.inject(.installFailed(inboundSPI: inbound, reason: "test refusal"), into: 1)
        #expect(network.drive(maxSteps: 1000) { network.nodes[0].kernel.installed.isEmpty })
        #expect(network.nodes[1].engine.ipsecSummaries.isEmpty)
        #expect(network.nodes[1].engine.statistics.ipsecSAsInstalled == 0)
        #expect(network.nodes[1].logs.contains { $0.level == .error && $0.message.contains("test refusal") })
    }

    @Test("an administrator's flush of the kernel's SAs tells the peer")
    func flushed() throws {
        let network = try established()
        network.inject(.kernelFlushed, into: 1)
        #expect(network.drive(maxSteps: 1000) { network.nodes[0].kernel.installed.isEmpty })
        #expect(network.nodes[1].engine.ipsecSummaries.isEmpty)
    }

    @Test("shutdown deletes every SA here and at the peer, and the Phase 1 SA")
    func shutdown() throws {
        let network = try established()
        network.inject(.shutdown, into: 0)
        #expect(network.drive(maxSteps: 1000) { network.nodes[1].kernel.installed.isEmpty && network.nodes[1].engine.phase1Summaries.isEmpty })
        #expect(network.nodes[0].kernel.installed.isEmpty)
        #expect(network.nodes[0].engine.phase1Summaries.isEmpty)
    }
}
