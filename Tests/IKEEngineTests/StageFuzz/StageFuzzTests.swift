import IKEConfig
@testable import IKEEngine
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

/// Engine-level fuzzing (not only the decoder): at each stage of Main Mode, Quick Mode and
/// Informational, messages the fuzzer seals with the real Phase 1 keys and whose hashes it
/// recomputes, so the mutations reach the engine's logic. Seeded; IKE_FUZZ_CASES sets the number
/// of cases per stage (20,000 by default; docs/PROTOCOL.md has the overnight command).
@Suite("Stage fuzzing: protected, mutated messages at every stage")
struct StageFuzzTests {
    static let presharedKey = Array("simulation key".utf8)

    /// `natTraversal`: both engines announce NAT-T, so MM1/MM2 carry its vendor IDs and MM3/MM4 the
    /// NAT-D payloads the fuzzer then mutates (the comparison and what follows from it).
    static func fuzzer(natTraversal: Bool = false) throws -> StageFuzzer {
        var settings = try Scenario.settings(config: Scenario.config(
            transforms: "p1_xform { auth_method preshared oakley_group 19 auth_alg sha1 encr_alg aes(128) }"))
        if natTraversal { settings.natTraversalPort = 4500 }
        let transcript = Transcript(initiator: settings, responder: settings)
        return try StageFuzzer(transcript: transcript, presharedKey: presharedKey, group: DHGroup(rawValue: 19))
    }

    @Test("the fuzzer's unmutated message is accepted at every stage (its keys, IVs and hashes are right)", arguments: FuzzStage.allCases)
    func unmutatedMessageProgresses(_ stage: FuzzStage) throws {
        let fuzzer = try Self.fuzzer()
        #expect(fuzzer.transcript.inbox(0).count == 4 && fuzzer.transcript.inbox(1).count == 5, "MM2 MM4 MM6 QM2 / MM1 MM3 MM5 QM1 QM3")
        let outcome = fuzzer.inject(try fuzzer.build(stage, seed: 1, mutate: false), at: stage)
        let sent = outcome.effects.filter { if case .send = $0 { true } else { false } }.count
        let installed = outcome.effects.contains { if case .installSAs = $0 { true } else { false } }
        switch stage {
        case .mainMode2, .mainMode3, .mainMode5, .quickMode1, .informational: #expect(sent == 1, "\(stage): the target answers")
        case .quickMode2: #expect(installed && sent == 1, "QM2 is answered with QM3 and the SAs are installed")
        }
        if stage == .quickMode2 || stage == .mainMode5 {
            #expect(!outcome.effects.contains { if case .log(let record) = $0 { record.level >= .warning } else { false } })
        }
    }

    @Test("every mutated case is answered, dropped and counted, or refused — never a trap, never silence", arguments: FuzzStage.allCases)
    func mutatedMessages(_ stage: FuzzStage) throws {
        try Self.mutate(stage, try Self.fuzzer(), cases: StageFuzzer.casesPerStage)
    }

    @Test("with NAT traversal announced (NAT-D in MM3/MM4): the unmutated messages progress, mutated ones never trap or go silent", arguments: FuzzStage.allCases)
    func natTraversalStages(_ stage: FuzzStage) throws {
        let fuzzer = try Self.fuzzer(natTraversal: true)
        let mm3 = try #require(fuzzer.transcript.inbox(1).dropFirst().first)
        #expect((try ISAKMPMessage.decode(mm3.bytes)).payloads.contains { $0.type == .natDiscovery }, "MM3 carries NAT-D")
        let outcome = fuzzer.inject(try fuzzer.build(stage, seed: 1, mutate: false), at: stage)
        #expect(outcome.effects.contains { if case .send = $0 { true } else { false } }, "\(stage): the target answers")
        try Self.mutate(stage, fuzzer, cases: max(1, StageFuzzer.casesPerStage / 4))
    }

    /// The same transcript authenticated with RSA signatures (CA-issued certificates, fragmentation
    /// off so that every message is one datagram): MM5 carries ID, CERT and SIG, the responder's
    /// check and signature run as a compute job.
    static func signatureFuzzer() throws -> StageFuzzer {
        func settings(_ identity: TestPKI.Identity) throws -> EngineSettings {
            var settings = try CertificateAuthenticationTests.settings(identity, config: CertificateAuthenticationTests.config(
                localID: identity.certificate.subject, transform: "p1_xform { auth_method rsa_sig oakley_group 19 auth_alg sha1 encr_alg aes(128) }"))
            settings.fragmentation = false
            return settings
        }
        let transcript = Transcript(initiator: try settings(CertificateAuthenticationTests.initiator), responder: try settings(CertificateAuthenticationTests.responder))
        return try StageFuzzer(transcript: transcript, signer: CertificateAuthenticationTests.initiator.key, group: DHGroup(rawValue: 19))
    }

    @Test("with RSA signatures (ID, CERT, SIG in MM5/MM6): the unmutated messages progress, mutated ones never trap or go silent", arguments: FuzzStage.allCases)
    func signatureStages(_ stage: FuzzStage) throws {
        let fuzzer = try Self.signatureFuzzer()
        #expect(fuzzer.transcript.inbox(0).count == 4 && fuzzer.transcript.inbox(1).count == 5, "MM2 MM4 MM6 QM2 / MM1 MM3 MM5 QM1 QM3")
        let outcome = fuzzer.inject(try fuzzer.build(stage, seed: 1, mutate: false), at: stage)
        #expect(outcome.effects.contains { if case .send = $0 { true } else { false } }, "\(stage): the target answers")
        try Self.mutate(stage, fuzzer, cases: max(1, StageFuzzer.casesPerStage / 10))
    }

    static func mutate(_ stage: FuzzStage, _ fuzzer: StageFuzzer, cases: Int) throws {
        let salt = UInt64(FuzzStage.allCases.firstIndex(of: stage)!) << 32
        var silent: [UInt64] = []
        for seed in 0..<UInt64(cases) {
            let outcome = fuzzer.inject(try fuzzer.build(stage, seed: salt | seed), at: stage)
            if !outcome.reacted { silent.append(salt | seed) }
        }
        #expect(silent.count == 0, "\(silent.count) cases at \(stage) left no trace, e.g. seeds \(silent.prefix(5).map { String($0, radix: 16) })")
    }
}
