import IKECrypto
import IKEConfig
@testable import IKEEngine
import IPsecTypes
import ISAKMP
import Testing

/// The authentication seam: one authenticator per method, pre-shared keys first; a method without
/// one is neither offered nor accepted, and an initiator refuses a responder that picks a method it
/// did not offer.
@Suite("Phase 1 authenticators")
struct AuthenticatorTests {
    static let keys = try! PresharedParser.load("""
        { localidtype IP localid 10.0.0.1 remoteidtype IP remoteid 10.0.0.2 key "first key" }
        { localidtype IP localid 10.0.0.1 remoteidtype FQDN remoteid peer.example key "second key" }
        { localidtype IP localid 10.0.0.1 remoteidtype IP remoteid 192.168.0.0/16 key "third key" }
        """, file: "ike.preshared")

    static func context(_ schedule: Phase1KeySchedule, prover: Phase1SA.Role) -> Phase1ProofContext {
        Phase1ProofContext(prover: prover, keys: schedule, initiatorPublic: [1, 2, 3], responderPublic: [4, 5, 6], saBody: [7], idBody: [8, 9])
    }

    static func schedule(_ key: String) throws -> Phase1KeySchedule {
        try Phase1KeySchedule(method: .preSharedKey(SecretBytes(Array(key.utf8))), hash: .sha1, sharedSecret: SecretBytes([0x42]),
                              initiatorCookie: [1, 1, 1, 1, 1, 1, 1, 1], responderCookie: [2, 2, 2, 2, 2, 2, 2, 2],
                              initiatorNonce: [3], responderNonce: [4], encryptionKeyLength: 16)
    }

    @Test("pre-shared keys: the proof verifies under the same key, fails under another, is missing without HASH")
    func presharedProof() throws {
        let authenticator = PresharedKeyAuthenticator(entry: Self.keys.entries[0])
        let ours = try Self.schedule("first key"), theirs = try Self.schedule("other key")
        let id = IdentificationPayload(idType: .ipv4Address, data: [10, 0, 0, 1])
        func verdict(_ proof: [Payload], _ context: Phase1ProofContext) -> Phase1ProofVerdict? {
            if case .verdict(let verdict) = authenticator.verification(proof, identity: id, context) { verdict } else { nil }
        }
        func payloads(_ context: Phase1ProofContext) -> [Payload] {
            if case .payloads(let payloads) = authenticator.proof(context) { payloads } else { [] }
        }
        for prover in [Phase1SA.Role.initiator, .responder] {
            let proof = payloads(Self.context(ours, prover: prover))
            #expect(proof.count == 1)
            #expect(verdict(proof, Self.context(ours, prover: prover)) == .verified)
            #expect(verdict(proof, Self.context(theirs, prover: prover)) == .failed)
            #expect(verdict([], Self.context(ours, prover: prover)) == .missing)
        }
        // HASH_I is not HASH_R.
        let hashI = payloads(Self.context(ours, prover: .initiator))
        #expect(verdict(hashI, Self.context(ours, prover: .responder)) == .failed)
    }

    @Test("pre-shared keys bind the peer: an address ID must be its address (behind a NAT, one remoteid covers), another type the entry's identity")
    func presharedIdentity() {
        let local = Endpoint(address: IPAddress("10.0.0.1")!, port: 500), remote = Endpoint(address: IPAddress("10.0.0.2")!, port: 500)
        let byAddress = PresharedKeyAuthenticator(entry: Self.keys.entries[0])
        #expect(byAddress.accepts(IdentificationPayload(idType: .ipv4Address, data: [10, 0, 0, 2]), local: local, remote: remote, peerBehindNAT: false))
        #expect(!byAddress.accepts(IdentificationPayload(idType: .ipv4Address, data: [10, 0, 0, 3]), local: local, remote: remote, peerBehindNAT: false))
        // Behind a NAT the peer names its private address: accepted when the entry's remoteid covers it.
        let natted = PresharedKeyAuthenticator(entry: Self.keys.entries[2])
        #expect(natted.accepts(IdentificationPayload(idType: .ipv4Address, data: [192, 168, 7, 9]), local: local, remote: remote, peerBehindNAT: true))
        #expect(!natted.accepts(IdentificationPayload(idType: .ipv4Address, data: [192, 168, 7, 9]), local: local, remote: remote, peerBehindNAT: false))
        #expect(!natted.accepts(IdentificationPayload(idType: .ipv4Address, data: [172, 16, 0, 1]), local: local, remote: remote, peerBehindNAT: true))
        let byName = PresharedKeyAuthenticator(entry: Self.keys.entries[1])
        #expect(byName.accepts(IdentificationPayload(idType: .fqdn, data: Array("peer.example".utf8)), local: local, remote: remote, peerBehindNAT: false))
        #expect(!byName.accepts(IdentificationPayload(idType: .fqdn, data: Array("other.example".utf8)), local: local, remote: remote, peerBehindNAT: false))
    }

    @Test("a method without an authenticator has none; a pair without a key, or a signature rule without a certificate, has none either")
    func availability() throws {
        let settings = try Scenario.settings()
        let local = Endpoint(address: IPAddress("10.0.0.1")!, port: 500)
        let inside = Endpoint(address: IPAddress("10.0.0.2")!, port: 500), outside = Endpoint(address: IPAddress("192.0.2.9")!, port: 500)
        let rule = try #require(settings.configuration.rules.first)
        #expect(throws: Never.self) { try Phase1Authenticators.make(.preSharedKey, local: local, remote: inside, rule: rule, settings: settings).get() }
        for method in [AuthenticationMethod.dssSignature, .rsaEncryption] {
            #expect(Phase1Authenticators.make(method, local: local, remote: inside, rule: rule, settings: settings).failureValue == .notImplemented)
        }
        // RSA signatures are implemented, but without a certificate and key there is nothing to sign with.
        guard case .missingCertificate? = Phase1Authenticators.make(.rsaSignature, local: local, remote: inside, rule: rule, settings: settings).failureValue else {
            Issue.record("rsa_sig without credentials")
            return
        }
        #expect(!Phase1Authenticators.usable(.rsaSignature, rule: rule, settings: settings))
        #expect(Phase1Authenticators.make(.preSharedKey, local: local, remote: outside, rule: rule, settings: settings).failureValue == .missingKey)
    }

    @Test("the initiator refuses an MM2 whose transform names a method it did not offer")
    func responderPicksAnotherMethod() throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let transform = TransformPayload(number: 1, transformID: 1, attributes: [
            .basic(1, 7), .basic(14, 128), .basic(2, 2), .basic(3, AuthenticationMethod.rsaSignature.rawValue), .basic(4, 19),
            .basic(11, 1), .integer(12, 28_800),
        ])
        let answer = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: [transform])])
        let bytes = try fuzzer.build(.mainMode2, seed: 0) { payloads in
            payloads.map { $0.type == PayloadType.securityAssociation.rawValue ? RawPayload(type: $0.type, body: Payload(.securityAssociation(answer)).body) : $0 }
        }
        let node = fuzzer.transcript.replay(0, upTo: 0)
        let template = fuzzer.transcript.inbox(0)[0]
        node.handle(.datagram(Datagram(bytes: bytes, local: template.local, remote: template.remote)), at: Transcript.time(3))
        #expect(node.engine.statistics.phase1FailureReasons[.noProposal] == 1)
        #expect(node.engine.phase1Summaries.isEmpty)
    }
}

extension Result {
    var failureValue: Failure? { if case .failure(let failure) = self { failure } else { nil } }
}
