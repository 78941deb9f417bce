@testable import IKECrypto
import IKETestSupport
import Testing

@Suite("RSA and DSA")
struct PublicKeyTests {
    static let rsa: PrivateKey? = try? PrivateKey.generateRSA(bits: 2048)
    static let dsa: PrivateKey? = try? PrivateKey.generateDSA(bits: 1024, subgroupBits: 160)
    static let hash = hex("0123456789abcdef0123456789abcdef01234567")

    @Test("an IKE RSA signature (PKCS#1 type 1 over the raw hash) verifies")
    func rsaSignature() throws {
        let key = try #require(Self.rsa)
        let signature = try key.signPKCS1(Self.hash)
        #expect(signature.count == 256)
        try key.publicKey.verifyPKCS1(signature: signature, hash: Self.hash)
        var other = Self.hash
        other[0] ^= 1
        #expect(throws: CryptoError(.signatureInvalid, "")) { try key.publicKey.verifyPKCS1(signature: signature, hash: other) }
    }

    /// Encoded blocks a lenient verifier might accept (the e=3 forgery history: Bleichenbacher 2006,
    /// Solaris CVE-2006-5201, strongSwan CVE-2018-16151/16152). Each is signed with the raw private
    /// operation, so only the verifier's strictness stands between it and acceptance.
    static func forgedBlocks(size: Int, hash: [UInt8]) -> [(String, [UInt8])] {
        let padding = size - 3 - hash.count
        let digestInfoSHA1 = hex("3021300906052b0e03021a05000414")
        return [
            ("block type 2", [0, 2] + [UInt8](repeating: 0xFF, count: padding) + [0] + hash),
            ("no zero separator", [0, 1] + [UInt8](repeating: 0xFF, count: padding + 1) + hash),
            ("garbage after the hash", [0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0] + hash + [UInt8](repeating: 0x5A, count: padding - 8)),
            ("DigestInfo inserted", [0, 1] + [UInt8](repeating: 0xFF, count: padding - digestInfoSHA1.count) + [0] + digestInfoSHA1 + hash),
            ("padding not all FF", [0, 1] + [UInt8](repeating: 0xFF, count: padding - 1) + [0xFE, 0] + hash),
            ("leading byte not zero", [1, 1] + [UInt8](repeating: 0xFF, count: padding) + [0] + hash),
        ]
    }

    @Test("forged PKCS#1 encodings are refused")
    func rsaForgeries() throws {
        let key = try #require(Self.rsa)
        for (name, block) in Self.forgedBlocks(size: 256, hash: Self.hash) {
            #expect(block.count == 256, "\(name)")
            // A block must be below the modulus to be signable; the forged ones that start with 0 are.
            guard let forged = try? key.rawPrivateOperation(block) else { continue }
            #expect(throws: CryptoError(.signatureInvalid, ""), "\(name)") { try key.publicKey.verifyPKCS1(signature: forged, hash: Self.hash) }
        }
        // The genuine encoding through the same raw path verifies, so the refusals above are about encoding.
        let genuine = [0, 1] + [UInt8](repeating: 0xFF, count: 256 - 3 - Self.hash.count) + [0] + Self.hash
        try key.publicKey.verifyPKCS1(signature: try key.rawPrivateOperation(genuine), hash: Self.hash)
    }

    @Test("signatures of the wrong length or not below the modulus are refused")
    func rsaSignatureShape() throws {
        let key = try #require(Self.rsa)
        let signature = try key.signPKCS1(Self.hash)
        #expect(throws: CryptoError(.signatureInvalid, "")) { try key.publicKey.verifyPKCS1(signature: Array(signature.dropFirst()), hash: Self.hash) }
        #expect(throws: CryptoError(.signatureInvalid, "")) { try key.publicKey.verifyPKCS1(signature: [0] + signature, hash: Self.hash) }
        #expect(throws: CryptoError(.signatureInvalid, "")) { try key.publicKey.verifyPKCS1(signature: [UInt8](repeating: 0xFF, count: 256), hash: Self.hash) }
    }

    @Test("PKCS#1 encryption round-trips; garbage gives one undifferentiated error")
    func rsaEncryption() throws {
        let key = try #require(Self.rsa)
        let nonce = SystemRandom().bytes(32)
        let ciphertext = try key.publicKey.encryptPKCS1(nonce)
        #expect(try key.decryptPKCS1(ciphertext).revealed() == nonce)
        var damaged = ciphertext
        damaged[10] ^= 0x40
        #expect(throws: CryptoError(.decryptionFailed, "")) { _ = try key.decryptPKCS1(damaged).revealed() == nonce ? damaged : [] }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try key.decryptPKCS1([1, 2, 3]) }
    }

    @Test("keys survive PEM and DER encoding")
    func encodings() throws {
        let key = try #require(Self.rsa)
        let pem = try key.pkcs8PEM()
        let reloaded = try PrivateKey(encoded: pem)
        #expect(reloaded.kind == .rsa && reloaded.bits == 2048)
        let publicDER = key.publicKey.derEncoded()
        let publicKey = try PublicKey(encoded: publicDER)
        try publicKey.verifyPKCS1(signature: try reloaded.signPKCS1(Self.hash), hash: Self.hash)
        #expect(throws: CryptoError(.invalidKey, "")) { try PrivateKey(encoded: [1, 2, 3]) }
        #expect(throws: CryptoError(.invalidKey, "")) { try PublicKey(encoded: Array("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".utf8)) }
    }

    @Test("DSS signatures are r||s of 2 x |q| bytes and verify; tampering is refused")
    func dss() throws {
        let key = try #require(Self.dsa)
        let signature = try key.signDSS(Self.hash)
        #expect(signature.count == 40)
        try key.publicKey.verifyDSS(signature: signature, hash: Self.hash)
        var tampered = signature
        tampered[5] ^= 1
        #expect(throws: CryptoError(.signatureInvalid, "")) { try key.publicKey.verifyDSS(signature: tampered, hash: Self.hash) }
        #expect(throws: CryptoError(.signatureInvalid, "")) { try key.publicKey.verifyDSS(signature: Array(signature.dropLast()), hash: Self.hash) }
        #expect(throws: CryptoError(.invalidKey, "")) { try key.publicKey.verifyPKCS1(signature: signature, hash: Self.hash) }
    }
}
