import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import Testing

/// A Phase 1 SA's endpoints move under the engine's control (NAT-T floats to 4500): what follows
/// goes to and is accepted from the new endpoints only, and the tables still find the SA.
@Suite("Movable endpoints")
struct EndpointTests {
    @Test("after both ends move to port 4500, a Quick Mode runs over 4500 and the old endpoint is ignored")
    func floatTo4500() throws {
        let settings = try Scenario.settings()
        let network = Scenario.established(settings)
        let a = try #require(network.nodes[0].engine.phase1.values.first), b = try #require(network.nodes[1].engine.phase1.values.first)
        let aAt4500 = Endpoint(address: network.nodes[0].address, port: 4500), bAt4500 = Endpoint(address: network.nodes[1].address, port: 4500)
        network.nodes[0].engine.moveEndpoints(a, local: aAt4500, remote: bAt4500)
        network.nodes[1].engine.moveEndpoints(b, local: bAt4500, remote: aAt4500)
        #expect(network.nodes[0].engine.phase1.between(local: aAt4500.address, remote: bAt4500.address).first === a)
        // A new request runs its Quick Mode on the moved SA, over 4500.
        let before = network.nodes[0].engine.statistics.quickModeCompleted
        let selector = TrafficSelector(local: AddressRange(network.nodes[0].address), remote: AddressRange(network.nodes[1].address), upperProtocol: 6)
        network.inject(.acquire(AcquireRequest(localAddress: network.nodes[0].address, remoteAddress: network.nodes[1].address, selector: selector)), into: 0)
        #expect(network.drive { network.nodes[0].engine.statistics.quickModeCompleted > before })
        #expect(network.nodes[0].engine.statistics.phase1TotalInitiator == 1, "no new Main Mode")
        // The same SA from the old endpoint (port 500) is not accepted any more.
        let unexpected = network.nodes[0].engine.statistics.unexpectedDropped
        let stale = Datagram(bytes: try #require(a.driver[.mainMode]?.lastReceived), local: Endpoint(address: network.nodes[0].address, port: 500),
                             remote: Endpoint(address: network.nodes[1].address, port: 500))
        _ = network.nodes[0].engine.handle(.datagram(stale), at: network.now)
        #expect(network.nodes[0].engine.statistics.unexpectedDropped == unexpected + 1)
    }
}
