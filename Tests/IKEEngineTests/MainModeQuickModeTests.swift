import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

struct Suite: Sendable, CustomTestStringConvertible {
    let name: String
    let transform: String
    let pfs: Int
    let policy: String
    var testDescription: String { name }
}

@Suite("Main Mode and Quick Mode between two engines")
struct MainModeQuickModeTests {
    static let suites: [Suite] = [
        Suite(name: "AES-128/SHA1/MODP-2048", transform: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes(128) }", pfs: 0,
              policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes(128) encr_auth_algs sha1}"),
        Suite(name: "AES-256/SHA2-256/MODP-2048 with PFS", transform: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes(256) }", pfs: 14,
              policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes(256) encr_auth_algs hmac-sha256}"),
        Suite(name: "3DES/SHA1/MODP-1536", transform: "p1_xform { auth_method preshared oakley_group 5 auth_alg sha1 encr_alg 3des }", pfs: 5,
              policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs 3des encr_auth_algs sha1}"),
        Suite(name: "AES-128/SHA2-512/MODP-3072 without PFS", transform: "p1_xform { auth_method preshared oakley_group 15 auth_alg sha512 encr_alg aes(128) }", pfs: 0,
              policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes encr_auth_algs hmac-sha512}"),
        Suite(name: "AES-192/SHA2-384/ECP-256 with ECP PFS, tunnel", transform: "p1_xform { auth_method preshared oakley_group 19 auth_alg sha384 encr_alg aes(192) }", pfs: 19,
              policy: "{tunnel tun0 negotiate tunnel laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes(192) encr_auth_algs sha384}"),
        Suite(name: "Blowfish/MD5/MODP-1024, DES ESP, AH", transform: "p1_xform { auth_method preshared oakley_group 2 auth_alg md5 encr_alg blowfish }", pfs: 0,
              policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs des encr_auth_algs md5}"),
        Suite(name: "AH only", transform: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes }", pfs: 0,
              policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {auth_algs sha256}"),
    ]

    @Test("negotiates and both sides install matching SAs", arguments: suites)
    func negotiate(_ suite: Suite) throws {
        let settings = try Scenario.settings(config: Scenario.config(transforms: suite.transform, pfs: suite.pfs), policy: suite.policy)
        let network = Scenario.pair(initiator: settings, responder: settings)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        let a = network.nodes[0].engine, b = network.nodes[1].engine
        #expect(a.statistics.phase1CurrentInitiator == 1 && b.statistics.phase1CurrentResponder == 1)
        #expect(a.statistics.quickModeCompleted == 1 && b.statistics.quickModeCompleted == 1)
        #expect(a.phase1Summaries.first?.state == "ACTIVE" && b.phase1Summaries.first?.state == "ACTIVE")
        #expect(a.ipsecSummaries.first?.outboundSPI == b.ipsecSummaries.first?.inboundSPI)
        #expect(a.ipsecSummaries.first?.mode == (suite.policy.contains("tunnel") ? .tunnel : .transport))
        #expect(network.nodes[0].kernel.installed.values.allSatisfy { $0.replayWindow > 0 })
        // A second acquire reuses the Phase 1 SA: one more Quick Mode, no new Main Mode.
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { network.nodes[1].engine.statistics.quickModeCompleted == 2 })
        #expect(a.statistics.phase1AttemptedInitiator == 1)
    }

    @Test("IPv6 peers negotiate, with a /64 selector in tunnel mode")
    func ipv6() throws {
        let settings = try Scenario.settings(
            config: "p1_xform { auth_method preshared oakley_group 19 auth_alg sha256 encr_alg aes(256) }\np2_pfs 19\n{ label \"v6\" local_addr 2001:db8::/48 remote_addr 2001:db8::/48 }",
            preshared: "{ localidtype ipv6 localid 2001:db8::/48 remoteidtype ipv6 remoteid 2001:db8::/48 key \"v6 key\" }\n",
            policy: "{tunnel tun0 negotiate tunnel laddr 2001:db8:1::/64 raddr 2001:db8:2::/64} ipsec {encr_algs aes encr_auth_algs hmac-sha256}\n{tunnel tun0 negotiate tunnel laddr 2001:db8:2::/64 raddr 2001:db8:1::/64} ipsec {encr_algs aes encr_auth_algs hmac-sha256}")
        let network = EngineNetwork(seed: 6)
        network.add(address: "2001:db8::1", settings: settings, seed: 1)
        network.add(address: "2001:db8::2", settings: settings, seed: 2)
        let request = AcquireRequest(localAddress: IPAddress("2001:db8::1")!, remoteAddress: IPAddress("2001:db8::2")!,
                                     selector: TrafficSelector(local: AddressRange(IPAddress("2001:db8:1::5")!), remote: AddressRange(IPAddress("2001:db8:2::9")!)))
        network.inject(.acquire(request), into: 0)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        let summary = try #require(network.nodes[0].engine.ipsecSummaries.first)
        #expect(summary.mode == .tunnel)
        #expect(summary.selector.description == "2001:db8:1::/64 === 2001:db8:2::/64")
        #expect(network.nodes[1].engine.ipsecSummaries.first?.selector.description == "2001:db8:2::/64 === 2001:db8:1::/64")
    }

    @Test("either side can initiate")
    func reverse() throws {
        let settings = try Scenario.settings()
        let network = Scenario.pair(initiator: settings, responder: settings)
        Scenario.acquire(network, from: 1, to: 0)
        #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
        #expect(network.nodes[1].engine.statistics.phase1TotalInitiator == 1)
    }

    @Test("a proposal mismatch ends in NO-PROPOSAL-CHOSEN on both sides")
    func mismatch() throws {
        let initiator = try Scenario.settings(config: Scenario.config(transforms: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg 3des }"))
        let responder = try Scenario.settings(config: Scenario.config(transforms: "p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes }"))
        let network = Scenario.pair(initiator: initiator, responder: responder)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { network.nodes[0].engine.statistics.phase1FailedInitiator == 1 })
        #expect(network.nodes[1].engine.statistics.phase1FailedResponder == 1)
        #expect(network.nodes[0].engine.statistics.phase1FailureReasons == [.peerRefused: 1])
        #expect(network.nodes[1].engine.statistics.phase1FailureReasons == [.noProposal: 1])
        #expect(network.nodes[0].logs.contains { $0.message.contains("NO-PROPOSAL-CHOSEN") })
        #expect(network.nodes[0].engine.phase1Summaries.isEmpty && network.nodes[1].engine.phase1Summaries.isEmpty)
        // A retransmitted offer is answered with the same refusal and counted once.
        let refuser = network.nodes[1].engine
        let offer = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(value: 77), exchangeType: .identityProtection),
                                  body: .payloads([Payload(.securityAssociation(SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [
                                      TransformPayload(number: 1, transformID: 1, attributes: [.basic(1, 5), .basic(2, 2), .basic(3, 1), .basic(4, 14)]),
                                  ])]))) ])).encoded()
        let datagram = Datagram(bytes: offer, local: Endpoint(address: network.nodes[1].address, port: 500), remote: Endpoint(address: network.nodes[0].address, port: 500))
        let first = refuser.handle(EngineEvent.datagram(datagram), at: network.now)
        let second = refuser.handle(EngineEvent.datagram(datagram), at: network.now)
        let sent = { (effects: [EngineEffect]) in effects.compactMap { if case .send(let d) = $0 { d.bytes } else { nil } } }
        #expect(sent(first).count == 1 && sent(first) == sent(second))
        #expect(refuser.statistics.phase1FailedResponder == 2)
    }

    @Test("a wrong pre-shared key fails authentication on both sides")
    func wrongKey() throws {
        let initiator = try Scenario.settings(preshared: Scenario.preshared("\"one key\""))
        let responder = try Scenario.settings(preshared: Scenario.preshared("\"another key\""))
        let network = Scenario.pair(initiator: initiator, responder: responder)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 2000) { network.nodes[0].engine.statistics.phase1FailedInitiator == 1 && network.nodes[1].engine.statistics.phase1FailedResponder == 1 })
        #expect(network.nodes[1].engine.statistics.authenticationDropped >= 1)
        #expect(network.nodes[0].kernel.installed.isEmpty && network.nodes[1].kernel.installed.isEmpty)
    }

    @Test("a Quick Mode the responder's policy does not allow is refused; Phase 1 stays up")
    func quickModeMismatch() throws {
        let initiator = try Scenario.settings(policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs 3des encr_auth_algs md5}")
        let responder = try Scenario.settings(policy: "{laddr 10.0.0.0/16 raddr 10.0.0.0/16} ipsec {encr_algs aes encr_auth_algs sha256}")
        let network = Scenario.pair(initiator: initiator, responder: responder)
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 1000) { network.nodes[0].engine.statistics.quickModeFailed == 1 })
        #expect(network.nodes[0].engine.phase1Summaries.first?.state == "ACTIVE")
        #expect(network.nodes[0].kernel.installed.isEmpty)
    }

    @Test("a delete from either side removes the SAs on the other")
    func deletes() throws {
        for deleter in [0, 1] {
            let settings = try Scenario.settings()
            let network = Scenario.pair(initiator: settings, responder: settings)
            Scenario.acquire(network)
            #expect(network.drive(maxSteps: 1000) { Scenario.keysAgree(network) })
            network.inject(.deleteIPsecSAs(peer: network.nodes[1 - deleter].address), into: deleter)
            #expect(network.drive(maxSteps: 1000) { network.nodes[0].kernel.installed.isEmpty && network.nodes[1].kernel.installed.isEmpty })
            let summary = try #require(network.nodes[deleter].engine.phase1Summaries.first)
            network.inject(.deletePhase1(initiatorCookie: summary.initiatorCookie, responderCookie: summary.responderCookie), into: deleter)
            #expect(network.drive(maxSteps: 1000) { network.nodes[0].engine.phase1Summaries.isEmpty && network.nodes[1].engine.phase1Summaries.isEmpty })
        }
    }
}
