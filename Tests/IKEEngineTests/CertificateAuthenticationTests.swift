import IKECrypto
import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

/// RSA-signature Main Mode (RFC 2409 §5.1) between two engines: certificates issued by a CA under a
/// trusted root (sent with their intermediate), identities of each `local_id_type`, `remote_id`
/// admission, revoked, expired and untrusted certificates, self-signed ones trusted outright, and
/// an initiator without credentials.
@Suite("RSA-signature authentication")
struct CertificateAuthenticationTests {
    static let initiator = TestPKI.issue("C=US, O=IKE Test, CN=initiator", alternativeNames: ["IP=10.0.0.1", "DNS=initiator.example", "EMAIL=ike@initiator.example"],
                                         by: TestPKI.intermediate, key: TestPKI.keys[2])
    static let responder = TestPKI.issue("C=US, O=IKE Test, CN=responder", alternativeNames: ["IP=10.0.0.2", "DNS=responder.example", "EMAIL=ike@responder.example"],
                                         by: TestPKI.intermediate, key: TestPKI.keys[4])

    static func config(localIDType: String = "dn", localID: String, remoteIDs: [String] = [""], extra: String = "") -> String {
        """
        retry_timer_init 0.5
        retry_limit 3
        p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha256 encr_alg aes(128) }
        \(extra)
        { label "certs" local_addr 10.0.0.0/16 remote_addr 10.0.0.0/16 local_id_type \(localIDType) local_id "\(localID)" \(remoteIDs.map { "remote_id \"\($0)\"" }.joined(separator: " ")) }
        """
    }

    /// Settings with `identity` as our certificate (sent with the intermediate), trusting `trusted`.
    static func settings(_ identity: TestPKI.Identity, config: String, trusted: [TestPKI.Identity] = [TestPKI.root], lists: [RevocationList] = [],
                         chain: [TestPKI.Identity] = [TestPKI.intermediate]) throws -> EngineSettings {
        var settings = try Scenario.settings(config: config, preshared: "")
        settings.credentials = CertificateCredentials(
            local: [.init(certificate: identity.certificate, slot: "1", chain: chain.map(\.certificate), signer: identity.key)],
            known: [("1", identity.certificate)], authorities: trusted.map(\.certificate),
            verifier: try CertificateVerifier(trusted: trusted.map(\.certificate), revocationLists: lists))
        return settings
    }

    static func run(_ initiator: EngineSettings, _ responder: EngineSettings) -> EngineNetwork {
        let network = Scenario.pair(initiator: initiator, responder: responder)
        Scenario.acquire(network)
        network.drive(maxSteps: 2000) { Scenario.keysAgree(network) }
        return network
    }

    struct IdentityCase: CustomTestStringConvertible, Sendable {
        var type: String
        var initiatorID: String
        var responderID: String
        var payloadType: IdentificationType
        var testDescription: String { "local_id_type \(type)" }
    }

    static let identityCases = [
        IdentityCase(type: "dn", initiatorID: "C=US, O=IKE Test, CN=initiator", responderID: "C=US, O=IKE Test, CN=responder", payloadType: .derASN1DN),
        IdentityCase(type: "ip", initiatorID: "10.0.0.1", responderID: "10.0.0.2", payloadType: .ipv4Address),
        IdentityCase(type: "fqdn", initiatorID: "DNS=initiator.example", responderID: "DNS=responder.example", payloadType: .fqdn),
        IdentityCase(type: "user_fqdn", initiatorID: "EMAIL=ike@initiator.example", responderID: "EMAIL=ike@responder.example", payloadType: .userFQDN),
    ]

    @Test("both ends authenticate with CA-issued certificates, their chains sent in CERT payloads", arguments: identityCases)
    func established(_ identity: IdentityCase) throws {
        let network = Self.run(try Self.settings(Self.initiator, config: Self.config(localIDType: identity.type, localID: identity.initiatorID)),
                               try Self.settings(Self.responder, config: Self.config(localIDType: identity.type, localID: identity.responderID)))
        #expect(Scenario.keysAgree(network), "\(network.nodes.map(\.logs))")
        for (index, node) in network.nodes.enumerated() {
            let summary = try #require(node.engine.phase1Summaries.first)
            #expect(summary.authenticationMethod == .rsaSignature)
            #expect(summary.peerCertificateSubject == (index == 0 ? "C=US, O=IKE Test, CN=responder" : "C=US, O=IKE Test, CN=initiator"))
            #expect(summary.peerCertificateIssuer == "C=US, O=IKE Test, CN=Test Intermediate CA")
            #expect(summary.peerIdentity?.type == identity.payloadType && summary.localIdentity?.type == identity.payloadType)
            #expect(summary.localIdentity?.value.contains(index == 0 ? "initiator" : "10.0.0.2") == true || identity.type != "dn" || index == 1)
        }
    }

    @Test("the peer's certificate must satisfy remote_id: includes admit, an exclude refuses with INVALID-ID-INFORMATION")
    func remoteID() throws {
        let initiator = try Self.settings(Self.initiator, config: Self.config(localID: "C=US, O=IKE Test, CN=initiator"))
        for (remoteIDs, admitted) in [(["C=US, O=IKE Test, CN=initiator"], true), (["DNS=initiator.example"], true), (["ISSUER=C=US, O=IKE Test, CN=Test Intermediate CA"], true),
                                      (["C=US, O=IKE Test, CN=someone else"], false), (["ISSUER=C=US, O=IKE Test, CN=Test Intermediate CA !DNS=initiator.example"], false),
                                      (["10.0.0.9", "IP=10.0.0.1"], true)] {
            let responder = try Self.settings(Self.responder, config: Self.config(localID: "C=US, O=IKE Test, CN=responder", remoteIDs: remoteIDs))
            let network = Self.run(initiator, responder)
            #expect(Scenario.keysAgree(network) == admitted, "\(remoteIDs)")
            if !admitted {
                #expect(network.nodes[1].engine.statistics.phase1FailureReasons[.identity] == 1, "\(network.nodes[1].logs)")
                #expect(network.nodes[1].logs.contains { $0.message.contains("remote_id") })
                #expect(network.nodes[0].engine.statistics.phase1FailureReasons[.peerRefused] == 1, "\(network.nodes[0].logs)")
            }
        }
    }

    @Test("a revoked, an expired or an untrusted initiator certificate is refused with INVALID-CERTIFICATE; the same responder then serves a good one")
    func refusedCertificates() throws {
        let revoked = TestPKI.issue("C=US, O=IKE Test, CN=initiator", alternativeNames: ["IP=10.0.0.1"], by: TestPKI.intermediate, key: TestPKI.keys[2])
        let expired = TestPKI.issue("C=US, O=IKE Test, CN=initiator", by: TestPKI.intermediate, key: TestPKI.keys[2], notBefore: -7200, notAfter: -60)
        let foreign = TestPKI.issue("C=US, O=IKE Test, CN=initiator", by: TestPKI.stranger, key: TestPKI.keys[2])
        let list = TestPKI.revocationList(by: TestPKI.intermediate, revoking: [revoked])
        let responder = try Self.settings(Self.responder, config: Self.config(localID: "C=US, O=IKE Test, CN=responder"), lists: [list])
        for (identity, chain, why) in [(revoked, [TestPKI.intermediate], "revoked"), (expired, [TestPKI.intermediate], "expired"), (foreign, [TestPKI.stranger], "no cert_root or cert_trust")] {
            let initiator = try Self.settings(identity, config: Self.config(localID: "C=US, O=IKE Test, CN=initiator"), chain: chain)
            let network = Self.run(initiator, responder)
            #expect(!Scenario.keysAgree(network))
            #expect(network.nodes[1].engine.statistics.phase1FailureReasons[.certificate] == 1, "\(network.nodes[1].logs)")
            #expect(network.nodes[1].logs.contains { $0.message.contains(why) }, "\(network.nodes[1].logs.map(\.message))")
            #expect(network.nodes[0].logs.contains { $0.message.contains("INVALID-CERTIFICATE") }, "\(network.nodes[0].logs.map(\.message))")
        }
        let good = Self.run(try Self.settings(Self.initiator, config: Self.config(localID: "C=US, O=IKE Test, CN=initiator")), responder)
        #expect(Scenario.keysAgree(good))
    }

    @Test("self-signed certificates exchanged and trusted outright (cert_trust), as the Solaris guide does it")
    func selfSigned() throws {
        let alice = TestPKI.selfSigned("C=US, O=IKE Test, CN=alice", alternativeNames: ["IP=10.0.0.1"], key: TestPKI.keys[2])
        let bob = TestPKI.selfSigned("C=US, O=IKE Test, CN=bob", alternativeNames: ["IP=10.0.0.2"], key: TestPKI.keys[4])
        let network = Self.run(try Self.settings(alice, config: Self.config(localIDType: "ip", localID: "10.0.0.1", remoteIDs: ["IP=10.0.0.2"]), trusted: [bob], chain: []),
                               try Self.settings(bob, config: Self.config(localIDType: "ip", localID: "10.0.0.2", remoteIDs: ["IP=10.0.0.1"]), trusted: [alice], chain: []))
        #expect(Scenario.keysAgree(network), "\(network.nodes.map(\.logs))")
        // Without trusting the other's certificate, nothing is accepted.
        let untrusting = Self.run(try Self.settings(alice, config: Self.config(localIDType: "ip", localID: "10.0.0.1"), trusted: [bob], chain: []),
                                  try Self.settings(bob, config: Self.config(localIDType: "ip", localID: "10.0.0.2"), trusted: [], chain: []))
        #expect(!Scenario.keysAgree(untrusting))
    }

    @Test("an initiator without a certificate and key for local_id offers no rsa_sig transform")
    func noCredentials() throws {
        var initiator = try Self.settings(Self.initiator, config: Self.config(localID: "C=US, O=IKE Test, CN=nobody"))
        let network = Self.run(initiator, try Self.settings(Self.responder, config: Self.config(localID: "C=US, O=IKE Test, CN=responder")))
        #expect(!Scenario.keysAgree(network))
        #expect(network.nodes[0].engine.statistics.phase1FailureReasons[.noProposal] == 1)
        initiator.credentials = CertificateCredentials()
        #expect(initiator.transforms(for: initiator.configuration.rules[0]).isEmpty)
    }

    @Test("the peer check: a certificate from publickeys/ when the peer sends none; a wrong signature, a wrong key kind and an ID the certificate does not name are refused")
    func peerCheck() throws {
        let settings = try Self.settings(Self.responder, config: Self.config(localID: "C=US, O=IKE Test, CN=responder"))
        var credentials = settings.credentials
        credentials.known.append(("2", Self.initiator.certificate))
        credentials.verifier = try CertificateVerifier(trusted: [TestPKI.root.certificate], intermediates: [TestPKI.intermediate.certificate])
        let hash = [UInt8](repeating: 0x5A, count: 32)
        let signature = try Self.initiator.key.sign(hash)
        let id = IdentificationPayload(idType: .derASN1DN, data: Self.initiator.certificate.subjectDER)
        func check(_ certificates: [[UInt8]], _ identity: IdentificationPayload = id, signature: [UInt8] = signature, kind: AsymmetricKeyKind = .rsa) -> PeerCheckOutcome {
            PeerSignatureCheck(certificates: certificates, identity: identity, hash: hash, signature: signature, keyKind: kind, remoteIDs: [], credentials: credentials).run()
        }
        guard case .verified(let peer) = check([]) else { Issue.record("publickeys/ lookup"); return }
        #expect(peer.subject == "C=US, O=IKE Test, CN=initiator")
        var forged = signature
        forged[10] ^= 1
        guard case .refused(.signature, _) = check([Self.initiator.certificate.der], signature: forged) else { Issue.record("forged signature"); return }
        guard case .refused(.signature, _) = check([Self.initiator.certificate.der], kind: .dsa) else { Issue.record("key kind"); return }
        let other = IdentificationPayload(idType: .ipv4Address, data: [10, 0, 0, 99])
        guard case .refused(.identity, _) = check([Self.initiator.certificate.der], other) else { Issue.record("identity"); return }
        guard case .refused(.unavailable, _) = check([], other) else { Issue.record("unavailable"); return }
        // Garbage in CERT payloads is ignored, not trusted.
        guard case .verified = check([[0x30, 0x03, 1, 2, 3], Self.initiator.certificate.der]) else { Issue.record("garbage certificate"); return }
    }
}
