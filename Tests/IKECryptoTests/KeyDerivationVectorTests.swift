import Foundation
@testable import IKECrypto
import IKETestSupport
import IPsecTypes
import Testing

/// The NIST ACVP IKEv1 KDF cases (SP 800-135) shipped in ../vectors, copied into Vectors/.
@Suite("RFC 2409 key schedule against the ACVP vectors")
struct KeyDerivationVectorTests {
    struct Case: Decodable, Sendable, CustomTestStringConvertible {
        let authMethod, hashAlg, ckyInit, ckyResp, nInit, nResp, gxy, sKeyId, sKeyIdD, sKeyIdA, sKeyIdE: String
        let preSharedKey: String?
        var testDescription: String { "\(authMethod) \(hashAlg)" }
    }

    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        guard let url = Bundle.module.url(forResource: "ikev1-kdf", withExtension: "json", subdirectory: "Vectors"),
              let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(File.self, from: data)
        else { return [] }
        return file.cases
    }()

    @Test("the vector file is present and holds both methods")
    func loaded() {
        #expect(Set(Self.cases.map(\.authMethod)) == ["psk", "signature"])
    }

    @Test("SKEYID, SKEYID_d, SKEYID_a and SKEYID_e match", arguments: cases)
    func derive(_ vector: Case) throws {
        let method: Phase1KeySchedule.Method = vector.authMethod == "psk"
            ? .preSharedKey(SecretBytes(hex(vector.preSharedKey ?? "")))
            : .signature
        #expect(vector.hashAlg == "SHA-1")
        let keys = try Phase1KeySchedule(
            method: method, hash: .sha1, sharedSecret: SecretBytes(hex(vector.gxy)),
            initiatorCookie: hex(vector.ckyInit), responderCookie: hex(vector.ckyResp),
            initiatorNonce: hex(vector.nInit), responderNonce: hex(vector.nResp), encryptionKeyLength: 16)
        #expect(keys.skeyid.revealed().hex == vector.sKeyId)
        #expect(keys.skeyidD.revealed().hex == vector.sKeyIdD)
        #expect(keys.skeyidA.revealed().hex == vector.sKeyIdA)
        #expect(keys.skeyidE.revealed().hex == vector.sKeyIdE)
        #expect(keys.encryptionKey.revealed() == Array(keys.skeyidE.revealed().prefix(16)))
    }

    @Test("public-key-encryption SKEYID is prf(hash(Ni|Nr), CKY-I|CKY-R) (RFC 2409 §5)")
    func publicKeyEncryptionSKEYID() throws {
        let vector = try #require(Self.cases.first)
        let keys = try Phase1KeySchedule(
            method: .publicKeyEncryption, hash: .sha1, sharedSecret: SecretBytes(hex(vector.gxy)),
            initiatorCookie: hex(vector.ckyInit), responderCookie: hex(vector.ckyResp),
            initiatorNonce: hex(vector.nInit), responderNonce: hex(vector.nResp), encryptionKeyLength: 16)
        let digest = try Digest(.sha1)
        let expected = digest.prf(key: digest.hash(hex(vector.nInit), hex(vector.nResp)), hex(vector.ckyInit), hex(vector.ckyResp))
        #expect(keys.skeyid.revealed() == expected)
    }

    @Test("Appendix B expands SKEYID_e when the cipher key is longer (K1 = prf(SKEYID_e, 0))")
    func encryptionKeyExpansion() throws {
        let digest = try Digest(.sha1)
        let skeyidE = SecretBytes(hex("cd74b0c048219db81384d3fda8f6cda51e398a2b"))
        let expanded = Phase1KeySchedule.expandEncryptionKey(skeyidE, length: 32, digest: digest).revealed()
        let k1 = digest.prf(key: skeyidE, [UInt8(0)])
        let k2 = digest.prf(key: skeyidE, k1)
        #expect(expanded == Array((k1 + k2).prefix(32)))
        #expect(Phase1KeySchedule.expandEncryptionKey(skeyidE, length: 16, digest: digest).revealed() == Array(skeyidE.revealed().prefix(16)))
    }
}
