import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

/// NAT traversal (RFC 3947/3948) between simulated engines: the simulated network puts a NAPT in
/// front of either node (or both), which rewrites source addresses and ports and can forget its
/// mappings mid-life.
@Suite("NAT traversal")
struct NATTraversalTests {
    /// The NAT's public address (inside the rules' 10.0.0.0/16, so the peer's rule covers it).
    static let publicAddress = ["10.0.99.1", "10.0.99.2"]

    struct Placement: Sendable, CustomTestStringConvertible {
        var initiatorBehindNAT: Bool
        var responderBehindNAT: Bool
        var tunnel: Bool
        var testDescription: String {
            let nat = switch (initiatorBehindNAT, responderBehindNAT) {
            case (false, false): "no NAT"
            case (true, false): "initiator behind NAT"
            case (false, true): "responder behind NAT (port forwarding)"
            case (true, true): "both behind NAT"
            }
            return "\(nat), \(tunnel ? "tunnel" : "transport")"
        }
    }

    static let placements: [Placement] = [false, true].flatMap { tunnel in
        [(false, false), (true, false), (false, true), (true, true)].map { Placement(initiatorBehindNAT: $0.0, responderBehindNAT: $0.1, tunnel: tunnel) }
    }

    static let tunnelPolicy = "{tunnel tun0 negotiate tunnel laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes encr_auth_algs sha1}\n"

    static func settings(extra: String = "", tunnel: Bool = false, methods: [NATTraversalMethod]? = nil) throws -> EngineSettings {
        var settings = try Scenario.settings(config: Scenario.config(extra: extra), policy: tunnel ? tunnelPolicy : Scenario.policy)
        settings.natTraversalPort = 4500
        if let methods { settings.natTraversalMethods = methods }
        return settings
    }

    /// Initiator 10.0.0.1 (0) and responder 10.0.0.2 (1), each behind a NAT as asked; the initiator
    /// addresses the responder at its public address.
    static func network(_ placement: Placement, initiator: EngineSettings, responder: EngineSettings, seed: UInt64 = 7) -> EngineNetwork {
        let network = Scenario.pair(initiator: initiator, responder: responder, seed: seed)
        if placement.initiatorBehindNAT { network.putBehindNAT(0, publicAddress: publicAddress[0]) }
        if placement.responderBehindNAT { network.putBehindNAT(1, publicAddress: publicAddress[1], forwardsPorts: true) }
        let target = placement.responderBehindNAT ? IPAddress(publicAddress[1])! : network.nodes[1].address
        // In tunnel mode the policy's ranges replace the request's hosts.
        network.inject(.acquire(AcquireRequest(localAddress: network.nodes[0].address, remoteAddress: target)), into: 0)
        return network
    }

    /// Both sides installed a pair with the same SPIs and keys (their addresses differ across a NAT).
    static func pairsAgree(_ network: EngineNetwork) -> Bool {
        let a = network.nodes[0].kernel.installed, b = network.nodes[1].kernel.installed
        guard a.count == 2, b.count == 2 else { return false }
        return a.values.allSatisfy { sa in b[sa.spi].map { $0.encryptionKey == sa.encryptionKey && $0.integrityKey == sa.integrityKey } ?? false }
    }

    static func phase1(_ network: EngineNetwork, _ index: Int) throws -> Phase1SA {
        try #require(network.nodes[index].engine.phase1.values.first { $0.isEstablished })
    }

    @Test("NAT-D finds the NAT where it is; Main Mode floats to 4500 and the SAs are UDP-encapsulated exactly when there is one", arguments: placements)
    func placement(_ placement: Placement) throws {
        let settings = try Self.settings(tunnel: placement.tunnel)
        let network = Self.network(placement, initiator: settings, responder: settings)
        #expect(network.drive { Self.pairsAgree(network) }, "\(network.nodes[0].logs.suffix(8))\n\(network.nodes[1].logs.suffix(8))")
        let initiator = try Self.phase1(network, 0), responder = try Self.phase1(network, 1)
        let nat = placement.initiatorBehindNAT || placement.responderBehindNAT
        for (sa, behind, peerBehind) in [(initiator, placement.initiatorBehindNAT, placement.responderBehindNAT),
                                         (responder, placement.responderBehindNAT, placement.initiatorBehindNAT)] {
            let traversal = try #require(sa.natTraversal)
            #expect(traversal.method == .rfc3947)
            #expect(traversal.compared)
            #expect(traversal.localBehindNAT == behind && traversal.peerBehindNAT == peerBehind, "\(sa.role): \(traversal)")
            #expect((sa.local.port == 4500) == nat && (sa.remote.port != 500) == nat, "\(sa.role): \(sa.local) <-> \(sa.remote)")
        }
        for index in 0..<2 {
            let sas = Array(network.nodes[index].kernel.installed.values)
            #expect(sas.allSatisfy { ($0.udpEncapsulation != nil) == nat })
            #expect(sas.allSatisfy { $0.mode == (placement.tunnel ? .tunnel : .transport) })
            guard nat, let sa = try? Self.phase1(network, index) else { continue }
            // Outbound ESP goes from our NAT-T endpoint to the peer's as this side sees it.
            let outbound = try #require(sas.first { $0.destination == sa.remote.address })
            #expect(outbound.udpEncapsulation?.sourcePort == sa.local.port && outbound.udpEncapsulation?.destinationPort == sa.remote.port)
            let inbound = try #require(sas.first { $0.destination == sa.local.address })
            #expect(inbound.udpEncapsulation?.sourcePort == sa.remote.port && inbound.udpEncapsulation?.destinationPort == sa.local.port)
            if !placement.tunnel {
                // Transport mode: the peer's NAT-OA names its address before the NAT.
                #expect(inbound.udpEncapsulation?.originalAddress == network.nodes[1 - index].address)
            }
        }
        #expect(network.nodes.allSatisfy { $0.engine.statistics.natDetected == (nat ? 1 : 0) })
    }

    @Test("the newest method both announce is used, with its payload and encapsulation numbers", arguments: [
        ([NATTraversalMethod.draft02], [NATTraversalMethod.draft02, .draft03, .rfc3947], NATTraversalMethod.draft02),
        ([.draft02Newline, .draft03], NATTraversalMethod.allCases, .draft03),
        (NATTraversalMethod.allCases, [.draft02, .draft02Newline], .draft02Newline),
    ])
    func drafts(_ initiatorMethods: [NATTraversalMethod], _ responderMethods: [NATTraversalMethod], _ expected: NATTraversalMethod) throws {
        let network = Self.network(Placement(initiatorBehindNAT: true, responderBehindNAT: false, tunnel: false),
                                   initiator: try Self.settings(methods: initiatorMethods), responder: try Self.settings(methods: responderMethods))
        #expect(network.drive { Self.pairsAgree(network) })
        for index in 0..<2 { #expect(try Self.phase1(network, index).natTraversal?.method == expected) }
        #expect(network.nodes[0].kernel.installed.values.allSatisfy { $0.udpEncapsulation != nil })
    }

    @Test("without a common method there is no NAT-T: no NAT-D, Main Mode stays on port 500 and the SAs are plain ESP")
    func noCommonMethod() throws {
        let network = Self.network(Placement(initiatorBehindNAT: false, responderBehindNAT: false, tunnel: false),
                                   initiator: try Self.settings(methods: [.rfc3947]), responder: try Self.settings(methods: [.draft02]))
        #expect(network.drive { Self.pairsAgree(network) })
        for index in 0..<2 {
            let sa = try Self.phase1(network, index)
            #expect(sa.natTraversal == nil && sa.local.port == 500)
        }
        #expect(network.nodes[1].kernel.installed.values.allSatisfy { $0.udpEncapsulation == nil })
    }

    @Test("NAT traversal turned off (no NAT-T port): no NAT-T vendor ID and no NAT-D, on either side")
    func turnedOff() throws {
        var off = try Self.settings()
        off.natTraversalPort = nil
        let network = Self.network(Placement(initiatorBehindNAT: false, responderBehindNAT: false, tunnel: false), initiator: off, responder: try Self.settings())
        #expect(network.drive { Self.pairsAgree(network) })
        #expect(try Self.phase1(network, 1).natTraversal == nil)
        #expect(try Self.phase1(network, 1).peerVendorIDs.allSatisfy { NATTraversalMethod(vendorID: $0) == nil })
    }

    @Test("the side behind the NAT sends a keepalive every nat_keepalive seconds; the other side sends none")
    func keepalives() throws {
        let settings = try Self.settings(extra: "nat_keepalive 20\ndpd_interval 0")
        let network = Self.network(Placement(initiatorBehindNAT: true, responderBehindNAT: false, tunnel: false), initiator: settings, responder: settings)
        #expect(network.drive { Self.pairsAgree(network) })
        network.advance(seconds: 101)
        #expect(network.nodes[0].engine.statistics.natKeepalivesSent == 5)
        #expect(network.nodes[1].engine.statistics.natKeepalivesSent == 0)
        // They arrive as one 0xFF octet on the NAT-T port: dropped there, state untouched.
        #expect(network.nodes[1].engine.statistics.natNonIKEDropped == 5)
        #expect(try Self.phase1(network, 0).natTraversal?.keepalivesSent == 5)
    }

    @Test("nat_keepalive 0 sends none")
    func keepalivesOff() throws {
        let settings = try Self.settings(extra: "nat_keepalive 0")
        let network = Self.network(Placement(initiatorBehindNAT: true, responderBehindNAT: false, tunnel: false), initiator: settings, responder: settings)
        #expect(network.drive { Self.pairsAgree(network) })
        network.advance(seconds: 100)
        #expect(network.nodes[0].engine.statistics.natKeepalivesSent == 0)
    }

    @Test("a new NAT mapping is followed on the next authenticated message, and the kernel SAs' encapsulation with it; keepalives alone move nothing")
    func mappingChange() throws {
        let settings = try Self.settings(extra: "nat_keepalive 20\ndpd_interval 30")
        let network = Self.network(Placement(initiatorBehindNAT: true, responderBehindNAT: false, tunnel: false), initiator: settings, responder: settings)
        #expect(network.drive { Self.pairsAgree(network) })
        let responder = try Self.phase1(network, 1)
        let before = responder.remote
        network.flushNAT(0)
        // The next keepalive makes a new mapping, but is not authenticated: the responder stays.
        network.advance(seconds: 21)
        #expect(responder.remote == before)
        // DPD's R-U-THERE (authenticated) comes through the new mapping: the responder follows.
        network.advance(seconds: 60)
        #expect(responder.remote.address == before.address && responder.remote.port != before.port, "\(before) -> \(responder.remote)")
        #expect(network.nodes[1].engine.statistics.natMappingChanges == 1)
        #expect(network.nodes[1].kernel.updates == 1)
        let outbound = try #require(network.nodes[1].kernel.installed.values.first { $0.destination == responder.remote.address })
        #expect(outbound.udpEncapsulation?.destinationPort == responder.remote.port)
        // And traffic still flows: a new Quick Mode from the responder reaches the initiator.
        let completed = network.nodes[1].engine.statistics.quickModeCompleted
        let selector = TrafficSelector(local: AddressRange(network.nodes[1].address), remote: AddressRange(responder.remote.address), upperProtocol: 17)
        network.inject(.acquire(AcquireRequest(localAddress: network.nodes[1].address, remoteAddress: responder.remote.address, selector: selector)), into: 1)
        #expect(network.drive { network.nodes[1].engine.statistics.quickModeCompleted > completed })
        #expect(network.nodes[1].engine.statistics.phase1TotalResponder == 1, "no new Main Mode")
    }

    @Test("the kernel's report of ESP from a new mapping (XFRM_MSG_MAPPING) moves the SA and its pairs, to a new port or a new address")
    func kernelMapping() throws {
        let settings = try Self.settings()
        let network = Self.network(Placement(initiatorBehindNAT: true, responderBehindNAT: false, tunnel: true), initiator: settings, responder: settings)
        #expect(network.drive { Self.pairsAgree(network) })
        let responder = try Self.phase1(network, 1)
        let engine = network.nodes[1].engine
        let inbound = try #require(network.nodes[1].kernel.installed.values.first { $0.destination == responder.local.address })
        // A pair the responder negotiated itself (it would rekey it from its request).
        let completed = engine.statistics.quickModeCompleted
        let selector = TrafficSelector(local: AddressRange(network.nodes[1].address), remote: AddressRange(responder.remote.address), upperProtocol: 17)
        network.inject(.acquire(AcquireRequest(localAddress: network.nodes[1].address, remoteAddress: responder.remote.address, selector: selector)), into: 1)
        #expect(network.drive { engine.statistics.quickModeCompleted > completed })
        let moved = Endpoint(address: responder.remote.address, port: 61000)
        var effects = engine.handle(.natMappingChanged(inboundSPI: inbound.spi, destination: inbound.destination, peer: moved), at: network.now)
        #expect(responder.remote == moved)
        let update = effects.compactMap { effect -> IPsecSA? in if case .updateSAs(_, let outbound, _) = effect { outbound } else { nil } }
        #expect(update.first?.udpEncapsulation?.destinationPort == 61000)
        // A peer whose address changed too: the pairs follow, and the request a rekey starts from.
        let elsewhere = Endpoint(address: IPAddress("10.0.99.9")!, port: 62000)
        effects = engine.handle(.natMappingChanged(inboundSPI: inbound.spi, destination: inbound.destination, peer: elsewhere), at: network.now)
        #expect(responder.remote == elsewhere)
        let pair = try #require(engine.ipsecSAs.values.first { $0.phase1 == responder.handle })
        #expect(pair.peer == elsewhere.address && pair.outbound.destination == elsewhere.address)
        let requested = engine.ipsecSAs.values.filter { $0.phase1 == responder.handle }.compactMap(\.request)
        #expect(!requested.isEmpty && requested.allSatisfy { $0.remoteAddress == elsewhere.address })
        // The outbound SA as installed is named by its old destination, the NAT's address.
        #expect(effects.contains { if case .updateSAs(_, _, let previous) = $0 { previous == IPAddress(Self.publicAddress[0]) } else { false } })
        // An SPI we do not hold moves nothing.
        effects = engine.handle(.natMappingChanged(inboundSPI: 0xdead, destination: inbound.destination, peer: Endpoint(address: moved.address, port: 1)), at: network.now)
        #expect(responder.remote == elsewhere && effects.allSatisfy { if case .updateSAs = $0 { false } else { true } })
    }

    @Test("a message for the SA from another endpoint that does not authenticate moves nothing")
    func forgedMove() throws {
        let settings = try Self.settings()
        let network = Self.network(Placement(initiatorBehindNAT: true, responderBehindNAT: false, tunnel: false), initiator: settings, responder: settings)
        #expect(network.drive { Self.pairsAgree(network) })
        let responder = try Self.phase1(network, 1)
        let before = responder.remote
        let engine = network.nodes[1].engine
        let header = ISAKMPHeader(initiatorCookie: responder.initiatorCookie, responderCookie: responder.responderCookie, nextPayload: .hash, exchangeType: .informational,
                                  flags: .encryption, messageID: 0x1234_5678)
        var forged = ISAKMPMessage(header: header, body: .encrypted([UInt8](repeating: 0x42, count: 48))).encoded()
        forged = IKEEngine.nonESPMarker + forged
        let from = Endpoint(address: IPAddress("10.0.77.7")!, port: 4500)
        let dropped = engine.statistics.authenticationDropped
        _ = engine.handle(.datagram(Datagram(bytes: forged, local: responder.local, remote: from)), at: network.now)
        #expect(responder.remote == before)
        #expect(engine.statistics.authenticationDropped > dropped, "\(engine.statistics)")
        // On port 500 a message from elsewhere is not even read.
        let unexpected = engine.statistics.unexpectedDropped
        _ = engine.handle(.datagram(Datagram(bytes: Array(forged.dropFirst(4)), local: Endpoint(address: responder.local.address, port: 500), remote: from)), at: network.now)
        #expect(engine.statistics.unexpectedDropped == unexpected + 1)
    }

    @Test("before NAT-D has found a NAT, a Main Mode message from another endpoint is not read, even on the NAT-T port: no Diffie-Hellman for it")
    func noEarlyFollow() throws {
        let settings = try Self.settings()
        let initiator = IKEEngine(settings: settings, random: SeededRandom(seed: 11)), responder = IKEEngine(settings: settings, random: SeededRandom(seed: 12))
        let a = IPAddress("10.0.0.1")!, b = IPAddress("10.0.0.2")!
        /// Runs an engine's effects: compute jobs at once, and returns what it sent.
        func sent(_ engine: IKEEngine, _ event: EngineEvent) -> [Datagram] {
            var queue = [event], out: [Datagram] = []
            while !queue.isEmpty {
                for effect in engine.handle(queue.removeFirst(), at: .zero) {
                    if case .send(let datagram) = effect { out.append(datagram) }
                    if case .compute(let token, let job, _) = effect { queue.append(.computed(token: token, job.run())) }
                }
            }
            return out
        }
        func arriving(_ datagram: Datagram) -> EngineEvent { .datagram(Datagram(bytes: datagram.bytes, local: datagram.remote, remote: datagram.local)) }
        let mm1 = try #require(sent(initiator, .acquire(AcquireRequest(localAddress: a, remoteAddress: b))).first)
        let mm2 = try #require(sent(responder, arriving(mm1)).first)
        let mm3 = try #require(sent(initiator, arriving(mm2)).first)
        // MM3 as if from elsewhere, to the responder's NAT-T port behind the marker.
        let elsewhere = Datagram(bytes: IKEEngine.nonESPMarker + mm3.bytes, local: Endpoint(address: b, port: 4500), remote: Endpoint(address: IPAddress("10.0.55.5")!, port: 4500))
        let unexpected = responder.statistics.unexpectedDropped
        let effects = responder.handle(.datagram(elsewhere), at: .zero)
        #expect(responder.statistics.unexpectedDropped == unexpected + 1)
        #expect(effects.allSatisfy { if case .compute = $0 { false } else if case .send = $0 { false } else { true } })
        // From the initiator's real endpoint it is read, and answered with MM4.
        #expect(!sent(responder, arriving(mm3)).isEmpty)
    }

    @Test("on the NAT-T port, IKE without the non-ESP marker and ESP are dropped and counted", arguments: [
        [UInt8](repeating: 0xFF, count: 1), [0x12, 0x34, 0x56, 0x78] + [UInt8](repeating: 0, count: 40), [0, 0, 0, 0],
    ])
    func framing(_ bytes: [UInt8]) throws {
        let engine = IKEEngine(settings: try Self.settings(), random: SeededRandom(seed: 3))
        let datagram = Datagram(bytes: bytes, local: Endpoint(address: IPAddress("10.0.0.2")!, port: 4500), remote: Endpoint(address: IPAddress("10.0.0.1")!, port: 4500))
        #expect(engine.handle(.datagram(datagram), at: .zero).allSatisfy { if case .send = $0 { false } else { true } })
        #expect(engine.statistics.natNonIKEDropped == 1)
    }
}
