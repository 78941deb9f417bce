@testable import IKECrypto
import IKETestSupport
import IPsecTypes
import Testing

struct HMACCase: Sendable, CustomTestStringConvertible {
    let source: String
    let hash: HashAlgorithm
    let key: [UInt8]
    let data: [UInt8]
    let mac: String
    var testDescription: String { source }
}

struct CipherCase: Sendable, CustomTestStringConvertible {
    let source: String
    let algorithm: EncryptionAlgorithm
    let key, iv, plaintext, ciphertext: String
    var testDescription: String { source }
}

@Suite("Known answers for the primitives")
struct PrimitiveKnownAnswerTests {
    static let jefe = Array("Jefe".utf8), question = Array("what do ya want for nothing?".utf8), hiThere = Array("Hi There".utf8)

    static let hmacCases: [HMACCase] = [
        HMACCase(source: "RFC 2202 MD5 #1", hash: .md5, key: [UInt8](repeating: 0x0b, count: 16), data: hiThere, mac: "9294727a3638bb1c13f48ef8158bfc9d"),
        HMACCase(source: "RFC 2202 MD5 #2", hash: .md5, key: jefe, data: question, mac: "750c783e6ab0b503eaa86e310a5db738"),
        HMACCase(source: "RFC 2202 MD5 #3", hash: .md5, key: [UInt8](repeating: 0xaa, count: 16), data: [UInt8](repeating: 0xdd, count: 50), mac: "56be34521d144c88dbb8c733f0e8b3f6"),
        HMACCase(source: "RFC 2202 SHA1 #1", hash: .sha1, key: [UInt8](repeating: 0x0b, count: 20), data: hiThere, mac: "b617318655057264e28bc0b6fb378c8ef146be00"),
        HMACCase(source: "RFC 2202 SHA1 #2", hash: .sha1, key: jefe, data: question, mac: "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
        HMACCase(source: "RFC 2202 SHA1 #3", hash: .sha1, key: [UInt8](repeating: 0xaa, count: 20), data: [UInt8](repeating: 0xdd, count: 50), mac: "125d7342b9ac11cd91a39af48aa17b4f63f175d3"),
        HMACCase(source: "RFC 4231 SHA256 #1", hash: .sha256, key: [UInt8](repeating: 0x0b, count: 20), data: hiThere, mac: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        HMACCase(source: "RFC 4231 SHA256 #2", hash: .sha256, key: jefe, data: question, mac: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        HMACCase(source: "RFC 4231 SHA384 #1", hash: .sha384, key: [UInt8](repeating: 0x0b, count: 20), data: hiThere, mac: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6"),
        HMACCase(source: "RFC 4231 SHA384 #2", hash: .sha384, key: jefe, data: question, mac: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"),
        HMACCase(source: "RFC 4231 SHA512 #1", hash: .sha512, key: [UInt8](repeating: 0x0b, count: 20), data: hiThere, mac: "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"),
        HMACCase(source: "RFC 4231 SHA512 #2", hash: .sha512, key: jefe, data: question, mac: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    ]

    @Test("HMAC (the IKEv1 PRF)", arguments: hmacCases)
    func hmac(_ sample: HMACCase) throws {
        let digest = try Digest(sample.hash)
        #expect(digest.prf(key: sample.key, sample.data).hex == sample.mac)
        // The same input split over several parts gives the same PRF output.
        #expect(digest.prf(key: sample.key, Array(sample.data.prefix(3)), Array(sample.data.dropFirst(3))).hex == sample.mac)
        #expect(digest.prfSecret(key: SecretBytes(sample.key), sample.data).revealed().hex == sample.mac)
    }

    @Test("hash lengths and a FIPS 180 answer")
    func hashes() throws {
        #expect(try Digest(.sha1).hash(Array("abc".utf8)).hex == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(try Digest(.md5).length == 16)
        #expect(try Digest(.sha512).length == 64)
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try Digest(.tiger) }
    }

    static let cipherCases: [CipherCase] = [
        CipherCase(source: "SP 800-38A F.2.1 AES-128-CBC", algorithm: .aesCBC, key: "2b7e151628aed2a6abf7158809cf4f3c", iv: "000102030405060708090a0b0c0d0e0f",
                   plaintext: "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                   ciphertext: "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7"),
        CipherCase(source: "SP 800-38A F.2.3 AES-192-CBC", algorithm: .aesCBC, key: "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b", iv: "000102030405060708090a0b0c0d0e0f",
                   plaintext: "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                   ciphertext: "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd"),
        CipherCase(source: "SP 800-38A F.2.5 AES-256-CBC", algorithm: .aesCBC, key: "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", iv: "000102030405060708090a0b0c0d0e0f",
                   plaintext: "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
                   ciphertext: "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b"),
        CipherCase(source: "FIPS 81 DES-CBC", algorithm: .desCBC, key: "0123456789abcdef", iv: "1234567890abcdef",
                   plaintext: "4e6f77206973207468652074696d6520666f7220616c6c20", ciphertext: "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"),
        CipherCase(source: "FIPS 81 through 3DES with K1=K2=K3", algorithm: .tripleDESCBC, key: "0123456789abcdef0123456789abcdef0123456789abcdef", iv: "1234567890abcdef",
                   plaintext: "4e6f77206973207468652074696d6520666f7220616c6c20", ciphertext: "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6"),
        CipherCase(source: "SP 800-67 3DES (first block, zero IV)", algorithm: .tripleDESCBC, key: "0123456789abcdef23456789abcdef01456789abcdef0123", iv: "0000000000000000",
                   plaintext: "5468652071756663", ciphertext: "a826fd8ce53b855f"),
        CipherCase(source: "Blowfish-CBC (Eric Young's set)", algorithm: .blowfishCBC, key: "0123456789abcdeff0e1d2c3b4a59687", iv: "fedcba9876543210",
                   plaintext: "37363534333231204e6f77206973207468652074696d6520666f722000000000",
                   ciphertext: "6b77b4d63006dee605b156e27403979358deb9e7154616d959f1652bd5ff92cc"),
    ]

    @Test("CBC ciphers encrypt and decrypt known answers", arguments: cipherCases)
    func cipher(_ sample: CipherCase) throws {
        let key = hex(sample.key)
        let cipher = try CBCCipher(sample.algorithm, keyLength: key.count)
        let encrypted = try cipher.encrypt(hex(sample.plaintext), key: SecretBytes(key), iv: hex(sample.iv))
        #expect(encrypted.hex == sample.ciphertext)
        #expect(try cipher.decrypt(hex(sample.ciphertext), key: SecretBytes(key), iv: hex(sample.iv)).hex == sample.plaintext)
    }

    @Test("Blowfish takes every key length IKE may negotiate (40 to 448 bits)", arguments: [5, 16, 32, 56])
    func blowfishKeyLengths(_ length: Int) throws {
        let cipher = try CBCCipher(.blowfishCBC, keyLength: length)
        let key = SecretBytes([UInt8](repeating: 7, count: length))
        let plaintext = [UInt8](repeating: 1, count: 32)
        let ciphertext = try cipher.encrypt(plaintext, key: key, iv: [UInt8](repeating: 0, count: 8))
        #expect(ciphertext != plaintext)
        #expect(try cipher.decrypt(ciphertext, key: key, iv: [UInt8](repeating: 0, count: 8)) == plaintext)
    }

    @Test("wrong lengths and unknown ciphers are refused with typed errors")
    func cipherErrors() throws {
        #expect(throws: CryptoError(.invalidLength, "")) { try CBCCipher(.aesCBC, keyLength: 20) }
        #expect(throws: CryptoError(.invalidLength, "")) { try CBCCipher(.aesCBC) }
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try CBCCipher(.ideaCBC, keyLength: 16) }
        let aes = try CBCCipher(.aesCBC, keyLength: 16)
        let key = SecretBytes([UInt8](repeating: 0, count: 16))
        #expect(throws: CryptoError(.invalidLength, "")) { try aes.decrypt([UInt8](repeating: 0, count: 15), key: key, iv: [UInt8](repeating: 0, count: 16)) }
        #expect(throws: CryptoError(.invalidLength, "")) { try aes.decrypt([UInt8](repeating: 0, count: 16), key: key, iv: [UInt8](repeating: 0, count: 8)) }
        #expect(throws: CryptoError(.invalidLength, "")) { try aes.encrypt([UInt8](repeating: 0, count: 16), key: SecretBytes([1]), iv: [UInt8](repeating: 0, count: 16)) }
        #expect(try aes.encrypt([], key: key, iv: [UInt8](repeating: 0, count: 16)) == [])
    }

    @Test("key material never prints and compares in constant time")
    func secretBytes() {
        let secret = SecretBytes([1, 2, 3, 4])
        #expect("\(secret)" == "SecretBytes(4 bytes)")
        #expect(String(reflecting: secret) == "SecretBytes(4 bytes)")
        #expect(secret == SecretBytes([1, 2, 3, 4]))
        #expect(secret != SecretBytes([1, 2, 3, 5]))
        #expect((secret + SecretBytes([5])).revealed() == [1, 2, 3, 4, 5])
        #expect(secret.keymatHex() == "01020304")
        #expect(SystemRandom().bytes(32) != SystemRandom().bytes(32))
    }
}
