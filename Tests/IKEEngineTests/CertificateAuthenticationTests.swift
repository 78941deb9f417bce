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

    static func config(localIDType: String = "dn", localID: String, remoteIDs: [String] = [""], extra: String = "",
                       transform: String = "p1_xform { auth_method rsa_sig oakley_group 14 auth_alg sha256 encr_alg aes(128) }") -> String {
        """
        retry_timer_init 0.5
        retry_limit 3
        \(transform)
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

/// IKEv1 fragmentation (the vendor-ID extension): MM5 and MM6 carrying a chain of 4096-bit
/// certificates cross a path that loses every datagram above 1252 bytes (an IPv4 MTU of 1280 whose
/// IP fragments are dropped), in both directions; reassembly's bounds.
@Suite("IKEv1 fragmentation")
struct FragmentationTests {
    static let bigKeys: [PrivateKey] = (0..<3).map { _ in try! PrivateKey.generateRSA(bits: 4096) }
    static let root = TestPKI.authority("C=US, O=IKE Test, CN=Big Root", key: bigKeys[0])
    static let intermediate = TestPKI.issue("C=US, O=IKE Test, CN=Big Intermediate", by: root, key: bigKeys[1], authority: true)
    static let initiator = TestPKI.issue("C=US, O=IKE Test, CN=initiator", by: intermediate, key: bigKeys[2])
    static let responder = TestPKI.issue("C=US, O=IKE Test, CN=responder", by: intermediate, key: bigKeys[2])

    static func settings(_ identity: TestPKI.Identity, fragmentation: Bool = true) throws -> EngineSettings {
        var settings = try CertificateAuthenticationTests.settings(identity, config: CertificateAuthenticationTests.config(localID: identity.certificate.subject),
                                                                   trusted: [root], chain: [intermediate])
        settings.fragmentation = fragmentation
        return settings
    }

    @Test("a 4096-bit chain crosses a 1280-byte path in fragments, both ways; without fragmentation it cannot")
    func chainAcrossSmallPath() throws {
        for fragmentation in [true, false] {
            let network = Scenario.pair(initiator: try Self.settings(Self.initiator, fragmentation: fragmentation),
                                        responder: try Self.settings(Self.responder, fragmentation: fragmentation))
            network.knobs.maximumDatagram = 1280 - 28
            Scenario.acquire(network)
            network.drive(maxSteps: 3000) { Scenario.keysAgree(network) }
            #expect(Scenario.keysAgree(network) == fragmentation, "fragmentation \(fragmentation): \(network.nodes.map(\.logs))")
            if fragmentation {
                for node in network.nodes {
                    #expect(node.engine.statistics.fragmentsSent >= 3 && node.engine.statistics.fragmentsReceived >= 3, "\(node.engine.statistics)")
                }
                #expect(network.tooLarge == 0)
            } else {
                #expect(network.tooLarge > 0)
            }
        }
    }

    @Test("fragments and retransmissions: every fragment duplicated and reordered still reassembles, and a repeated MM5 is answered from the cache")
    func duplicatesAndReordering() throws {
        let network = Scenario.pair(initiator: try Self.settings(Self.initiator), responder: try Self.settings(Self.responder), seed: 5)
        network.knobs.maximumDatagram = 1252
        network.knobs.duplication = 0.5
        network.knobs.jitter = 0.02
        Scenario.acquire(network)
        #expect(network.drive(maxSteps: 20000) { Scenario.keysAgree(network) }, "\(network.nodes.map(\.logs))")
    }

    static func fragment(_ number: UInt8, last: Bool = false, id: UInt16 = 7, data: [UInt8] = [1, 2, 3]) -> Fragment {
        Fragment(header: ISAKMPHeader(initiatorCookie: Cookie([1, 2, 3, 4, 5, 6, 7, 8]), exchangeType: .identityProtection), id: id, number: number, isLast: last, data: data)
    }

    @Test("reassembly: in any order, duplicates ignored; a second last, a number past the last, too many pieces or bytes refuse the message")
    func reassemblyBounds() {
        var inOrder = FragmentReassembly(id: 7)
        #expect(inOrder.add(Self.fragment(2, data: [4])) == .incomplete)
        #expect(inOrder.add(Self.fragment(2, data: [9])) == .incomplete)
        #expect(inOrder.add(Self.fragment(3, last: true, data: [5])) == .incomplete)
        #expect(inOrder.add(Self.fragment(1, data: [3])) == .complete([3, 4, 5]))
        var twoLasts = FragmentReassembly(id: 7)
        _ = twoLasts.add(Self.fragment(2, last: true))
        guard case .refused = twoLasts.add(Self.fragment(3, last: true)) else { Issue.record("two lasts"); return }
        var pastLast = FragmentReassembly(id: 7)
        _ = pastLast.add(Self.fragment(2, last: true))
        guard case .refused = pastLast.add(Self.fragment(5)) else { Issue.record("past the last"); return }
        var lastBelow = FragmentReassembly(id: 7)
        _ = lastBelow.add(Self.fragment(4))
        guard case .refused = lastBelow.add(Self.fragment(2, last: true)) else { Issue.record("last below"); return }
        var tooMany = FragmentReassembly(id: 7)
        guard case .refused = tooMany.add(Self.fragment(UInt8(FragmentReassembly.maximumFragments + 1))) else { Issue.record("too many"); return }
        var tooBig = FragmentReassembly(id: 7)
        let chunk = [UInt8](repeating: 0, count: 30_000)
        _ = tooBig.add(Self.fragment(1, data: chunk))
        _ = tooBig.add(Self.fragment(2, data: chunk))
        guard case .refused = tooBig.add(Self.fragment(3, data: chunk)) else { Issue.record("too big"); return }
    }

    @Test("the fragment codec: split and parse round trip; malformed fragments are errors, not traps")
    func codec() throws {
        var writer = ByteWriter()
        ISAKMPHeader(initiatorCookie: Cookie([1, 2, 3, 4, 5, 6, 7, 8]), responderCookie: Cookie([8, 7, 6, 5, 4, 3, 2, 1]), nextPayload: .hash,
                     exchangeType: .identityProtection, flags: [.encryption], length: 28 + 3000).encode(into: &writer)
        let message = writer.bytes + (0..<3000).map { UInt8($0 & 0xFF) }
        let pieces = try #require(Fragment.split(message, id: 9, maximum: 1000))
        #expect(pieces.count == 4 && pieces.allSatisfy { $0.count <= 1000 })
        var joined: [UInt8] = []
        for (index, piece) in pieces.enumerated() {
            let fragment = try #require(try Fragment.parse(piece))
            #expect(fragment.number == UInt8(index + 1) && fragment.isLast == (index == 3) && fragment.id == 9 && fragment.header.flags.isEmpty)
            joined += fragment.data
        }
        #expect(joined == message)
        var zero = pieces[0]
        zero[34] = 0
        #expect(throws: ISAKMPError.self) { try Fragment.parse(zero) }
        #expect(throws: ISAKMPError.self) { try Fragment.parse(Array(pieces[0].dropLast())) }
        for cut in [28, 30, 35, 36] { #expect(throws: ISAKMPError.self) { try Fragment.parse(Array(pieces[0].prefix(cut))) } }
        #expect(try Fragment.parse(message) == nil)
    }
}

extension FragmentationTests {
    @Test("what fragments of many half-open SAs can make the engine hold is bounded globally, and released when an SA goes")
    func globalReassemblyBound() throws {
        let settings = try Self.settings(Self.responder)
        let engine = IKEEngine(settings: settings, random: SeededRandom(seed: 9))
        let local = Endpoint(address: IPAddress("10.0.0.2")!, port: 500)
        // Half-open SAs from many peers (MM1 each), then 36 KiB of fragments (never the last) to every one.
        let mm1 = { (index: Int) -> (Datagram, Cookie) in
            let cookie = Cookie((0..<8).map { UInt8(truncatingIfNeeded: index >> ($0 * 4)) | 0x80 })
            let transform = TransformPayload(number: 1, transformID: 1, attributes: [
                .basic(1, 7), .basic(14, 128), .basic(2, 4), .basic(3, AuthenticationMethod.rsaSignature.rawValue), .basic(4, 14), .basic(11, 1), .integer(12, 3600)])
            let offer = Payload(.securityAssociation(SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [transform])])))
            let message = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: cookie, exchangeType: .identityProtection), body: .payloads([offer]))
            return (Datagram(bytes: message.encoded(), local: local, remote: Endpoint(address: IPAddress("10.0.\(1 + index / 200).\(1 + index % 200)")!, port: 500)), cookie)
        }
        var peers: [(Datagram, Cookie)] = []
        for index in 0..<120 {
            let (datagram, cookie) = mm1(index)
            let effects = engine.handle(.datagram(datagram), at: EngineInstant(nanoseconds: 1))
            guard case .send(let answer)? = effects.first(where: { if case .send = $0 { true } else { false } }),
                  let reply = try? ISAKMPMessage.decode(answer.bytes) else { continue }
            peers.append((datagram, Cookie(reply.header.responderCookie.bytes)))
            _ = cookie
        }
        #expect(peers.count == 120)
        let chunk = [UInt8](repeating: 0x42, count: 1200)
        for (datagram, responderCookie) in peers {
            let initiator = try ISAKMPMessage.decode(datagram.bytes).header.initiatorCookie
            for number in 1...30 {
                let fragment = Fragment(header: ISAKMPHeader(initiatorCookie: initiator, responderCookie: responderCookie, exchangeType: .identityProtection),
                                        id: 1, number: UInt8(number), isLast: false, data: chunk)
                _ = engine.handle(.datagram(Datagram(bytes: fragment.encoded(), local: local, remote: datagram.remote)), at: EngineInstant(nanoseconds: 2))
            }
        }
        #expect(engine.reassemblyBytes <= FragmentReassembly.maximumTotalBytes, "\(engine.statistics)")
        #expect(engine.reassemblyBytes > FragmentReassembly.maximumTotalBytes - 64 * 1024, "the budget filled: \(engine.reassemblyBytes) \(engine.statistics)")
        // The half-open SAs expire (expire_timer): what they held is released.
        _ = engine.handle(.tick, at: EngineInstant(nanoseconds: 0).adding(seconds: 400))
        #expect(engine.reassemblyBytes == 0)
    }
}
