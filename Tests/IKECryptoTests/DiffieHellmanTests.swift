import Foundation
@testable import IKECrypto
import IKETestSupport
import IPsecTypes
import Testing

@Suite("Diffie-Hellman groups")
struct DiffieHellmanTests {
    static let implemented: [DHGroup] = [1, 2, 5, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30].map(DHGroup.init(rawValue:))

    @Test("two fresh key pairs agree on the shared secret", arguments: implemented)
    func agreement(_ group: DHGroup) throws {
        let initiator = try DHPrivateKey.generate(group)
        let responder = try DHPrivateKey.generate(group)
        let a = try initiator.sharedSecret(withPeer: responder.publicValue)
        let b = try responder.sharedSecret(withPeer: initiator.publicValue)
        #expect(a == b)
        let field = try #require(group.fieldBits)
        let coordinate = (field + 7) / 8
        #expect(initiator.publicValue.count == (group.kind == .ecp ? 2 * coordinate : coordinate))
        #expect(a.count == coordinate)
        #expect(initiator.publicValue != responder.publicValue)
    }

    struct ECDHVector: Decodable, Sendable, CustomTestStringConvertible {
        let group: UInt16
        let i, gi, r, gr, gir: String
        var testDescription: String { "group \(group)" }
    }

    struct VectorFile: Decodable { let cases: [ECDHVector] }

    static let rfc5903: [ECDHVector] = {
        guard let url = Bundle.module.url(forResource: "rfc5903-ecdh", withExtension: "json", subdirectory: "Vectors"),
              let data = try? Data(contentsOf: url), let file = try? JSONDecoder().decode(VectorFile.self, from: data)
        else { return [] }
        return file.cases
    }()

    @Test("RFC 5903 §8 test vectors (public values x||y, secret x only)", arguments: rfc5903)
    func rfc5903Vector(_ vector: ECDHVector) throws {
        let group = DHGroup(rawValue: vector.group)
        let initiator = try DHPrivateKey(group: group, privateValue: SecretBytes(hex(vector.i)))
        let responder = try DHPrivateKey(group: group, privateValue: SecretBytes(hex(vector.r)))
        #expect(initiator.publicValue.hex == vector.gi)
        #expect(responder.publicValue.hex == vector.gr)
        #expect(try initiator.sharedSecret(withPeer: hex(vector.gr)).revealed().hex == vector.gir)
        #expect(try responder.sharedSecret(withPeer: hex(vector.gi)).revealed().hex == vector.gir)
    }

    @Test("the RFC 5903 vector file has all three curves")
    func vectorsLoaded() { #expect(Self.rfc5903.map(\.group) == [19, 20, 21]) }

    static let modpGroups: [DHGroup] = [1, 2, 5, 14, 15, 16, 17, 18, 22, 23, 24].map(DHGroup.init(rawValue:))

    @Test("MODP peer values 0, 1, p-1, p, larger than p and of the wrong length are refused", arguments: modpGroups)
    func invalidMODPValues(_ group: DHGroup) throws {
        let key = try DHPrivateKey.generate(group)
        let modp = try #require(MODPGroup.named(group))
        let length = modp.byteLength
        let pMinusOne = modp.primeMinusOne.bytes(paddedTo: length)
        let p = modp.prime.bytes(paddedTo: length)
        let invalid: [[UInt8]] = [
            [UInt8](repeating: 0, count: length),
            [UInt8](repeating: 0, count: length - 1) + [1],
            pMinusOne, p, [UInt8](repeating: 0xFF, count: length),
            Array(key.publicValue.dropFirst()), key.publicValue + [0],
        ]
        for value in invalid {
            #expect(throws: CryptoError(.invalidPublicValue, "")) { try key.sharedSecret(withPeer: value) }
        }
    }

    @Test("RFC 5114 groups refuse values outside the prime-order subgroup", arguments: [22, 23, 24].map(DHGroup.init(rawValue:)))
    func subgroupCheck(_ group: DHGroup) throws {
        let key = try DHPrivateKey.generate(group)
        let modp = try #require(MODPGroup.named(group))
        // 2 is a quadratic non-residue or outside <g> for these primes with overwhelming likelihood;
        // the check itself is what is tested: a value with y^q != 1 is refused.
        let two = BigNumber(2)
        let order = try #require(modp.subgroupOrder)
        if !two.power(order, modulus: modp.prime).isOne {
            #expect(throws: CryptoError(.invalidPublicValue, "")) { try key.sharedSecret(withPeer: two.bytes(paddedTo: modp.byteLength)) }
        }
        // g itself is in the subgroup and accepted.
        _ = try key.sharedSecret(withPeer: modp.generator.bytes(paddedTo: modp.byteLength))
    }

    @Test("ECP peer points off the curve, at wrong lengths or all zero are refused", arguments: [19, 20, 21, 25, 26, 28].map(DHGroup.init(rawValue:)))
    func invalidECPPoints(_ group: DHGroup) throws {
        let key = try DHPrivateKey.generate(group)
        var offCurve = key.publicValue
        offCurve[offCurve.count - 1] ^= 1
        let invalid: [[UInt8]] = [
            offCurve, [UInt8](repeating: 0, count: key.publicValue.count), Array(key.publicValue.dropLast()),
            [UInt8](repeating: 0xFF, count: key.publicValue.count), [],
        ]
        for value in invalid {
            #expect(throws: CryptoError(.invalidPublicValue, "")) { try key.sharedSecret(withPeer: value) }
        }
    }

    @Test("unimplemented groups are refused by name", arguments: [3, 4, 31, 32, 99].map(DHGroup.init(rawValue:)))
    func unsupported(_ group: DHGroup) {
        #expect(!DHPrivateKey.supports(group))
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try DHPrivateKey.generate(group) }
    }

    @Test("short exponents are 2 x strength and at least 256 bits; full ones are |p| - 1")
    func exponentLengths() {
        #expect(DHExponentLength.short.bits(for: .modp2048, primeBits: 2048) == 256)
        #expect(DHExponentLength.short.bits(for: .modp4096, primeBits: 4096) == 304)
        #expect(DHExponentLength.short.bits(for: .modp8192, primeBits: 8192) == 400)
        #expect(DHExponentLength.full.bits(for: .modp2048, primeBits: 2048) == 2047)
    }

    @Test("a full-length exponent agrees too")
    func fullExponent() throws {
        let a = try DHPrivateKey.generate(.modp1536, exponentLength: .full)
        let b = try DHPrivateKey.generate(.modp1536)
        #expect(try a.sharedSecret(withPeer: b.publicValue) == b.sharedSecret(withPeer: a.publicValue))
    }
}

/// The group constants checked against their definitions rather than against another copy.
@Suite("Group parameters")
struct GroupParameterTests {
    /// RFC 2409 §6 and RFC 3526: p = 2^N - 2^(N-64) - 1 + 2^64 * (floor(2^(N-130) * pi) + k).
    static let modpDefinitions: [(DHGroup, Int, UInt)] = [
        (.modp768, 768, 149_686), (.modp1024, 1024, 129_093), (.modp1536, 1536, 741_804),
        (.modp2048, 2048, 124_476), (.modp3072, 3072, 1_690_314), (.modp4096, 4096, 240_904),
        (.modp6144, 6144, 929_484), (.modp8192, 8192, 4_743_158),
    ]

    /// pi * 2^bits by Machin's formula, pi/4 = 4 arctan(1/5) - arctan(1/239), in integer arithmetic.
    static let scaledPi: (value: BigNumber, bits: Int) = {
        let bits = 8192 + 64
        func arctanInverse(_ x: UInt) -> BigNumber {
            let one = BigNumber(1).shiftedLeft(bits)
            var power = one.divided(by: BigNumber(x)).quotient
            var sum = BigNumber(0)
            let xSquared = BigNumber(x * x)
            var k: UInt = 0
            while !power.isZero {
                let term = power.divided(by: BigNumber(2 * k + 1)).quotient
                sum = k % 2 == 0 ? sum + term : sum - term
                power = power.divided(by: xSquared).quotient
                k += 1
            }
            return sum
        }
        let quarter = arctanInverse(5) * BigNumber(4) - arctanInverse(239)
        return (quarter * BigNumber(4), bits)
    }()

    @Test("MODP primes follow the RFC 2409 / RFC 3526 formula from pi", arguments: modpDefinitions.map(\.0))
    func modpPrime(_ group: DHGroup) throws {
        let (_, n, k) = try #require(Self.modpDefinitions.first { $0.0 == group })
        let modp = try #require(MODPGroup.named(group))
        let pi = Self.scaledPi
        let floorPi = pi.value.shiftedRight(pi.bits - (n - 130))
        let expected = BigNumber(1).shiftedLeft(n) - BigNumber(1).shiftedLeft(n - 64) - BigNumber(1) + (floorPi + BigNumber(k)).shiftedLeft(64)
        #expect(BigNumber.compare(modp.prime, expected) == 0)
        #expect(modp.prime.bitCount == n)
        #expect(modp.generator.bytes(paddedTo: 1) == [2])
    }

    @Test("the smaller MODP primes are safe primes", arguments: [DHGroup.modp768, .modp1024, .modp1536, .modp2048])
    func safePrime(_ group: DHGroup) throws {
        let modp = try #require(MODPGroup.named(group))
        #expect(modp.prime.isProbablePrime)
        #expect(modp.primeMinusOne.shiftedRight(1).isProbablePrime)
    }

    @Test("RFC 5114 groups: p and q prime, q divides p-1, g has order q", arguments: [(DHGroup.modp1024s160, 1024, 160), (.modp2048s224, 2048, 224), (.modp2048s256, 2048, 256)])
    func rfc5114(_ group: DHGroup, _ pBits: Int, _ qBits: Int) throws {
        let modp = try #require(MODPGroup.named(group))
        let q = try #require(modp.subgroupOrder)
        #expect(modp.prime.bitCount == pBits)
        #expect(q.bitCount == qBits)
        #expect(modp.prime.isProbablePrime && q.isProbablePrime)
        #expect(modp.primeMinusOne.divided(by: q).remainder.isZero)
        #expect(modp.generator.power(q, modulus: modp.prime).isOne)
    }

    @Test("elliptic curves have the field size IKE's numbering says", arguments: [19, 20, 21, 25, 26, 27, 28, 29, 30].map(DHGroup.init(rawValue:)))
    func curves(_ group: DHGroup) throws {
        let curve = try #require(ECPGroup.named(group))
        #expect(curve.coordinateLength == ((group.fieldBits ?? 0) + 7) / 8)
        #expect(curve.order.isProbablePrime)
    }
}
