internal import COpenSSL
import IPsecTypes

/// An owned OpenSSL BIGNUM. Internal: the public API speaks bytes; tests use it through `@testable`.
final class BigNumber: @unchecked Sendable {
    // Mutated only by the methods below on a number the caller owns; numbers shared between threads
    // (group parameters) are never mutated after construction.
    let pointer: OpaquePointer
    private let isSecret: Bool

    init(secret: Bool = false) {
        guard let bn = BN_new() else { preconditionFailure("out of memory") }
        pointer = bn
        isSecret = secret
        if secret { BN_set_flags(bn, BN_FLG_CONSTTIME) }
    }

    /// Takes ownership of a BIGNUM.
    init(taking pointer: OpaquePointer, secret: Bool = false) {
        self.pointer = pointer
        isSecret = secret
        if secret { BN_set_flags(pointer, BN_FLG_CONSTTIME) }
    }

    convenience init(bytes: some ByteSource, secret: Bool = false) {
        self.init(secret: secret)
        let ok = bytes.withBytes { BN_bin2bn($0.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32($0.count), pointer) != nil }
        precondition(ok, "BN_bin2bn failed")
    }

    convenience init(_ word: UInt) {
        self.init()
        precondition(BN_set_word(pointer, word) == 1)
    }

    /// From big-endian hex digits (tests and fixed parameters only).
    convenience init?(hex: String) {
        var bn: OpaquePointer? = nil
        guard hex.withCString({ BN_hex2bn(&bn, $0) }) == Int32(hex.utf8.count), let bn else { return nil }
        self.init(taking: bn)
    }

    deinit {
        if isSecret { BN_clear_free(pointer) } else { BN_free(pointer) }
    }

    var bitCount: Int { Int(BN_num_bits(pointer)) }
    var byteCount: Int { Int(ike_BN_num_bytes(pointer)) }
    var isZero: Bool { BN_is_zero(pointer) == 1 }
    var isOne: Bool { BN_is_one(pointer) == 1 }

    /// Big-endian bytes, left-padded with zeros to `length`.
    func bytes(paddedTo length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let written = BN_bn2binpad(pointer, &out, Int32(length))
        precondition(written == Int32(length), "number does not fit in \(length) bytes")
        return out
    }

    /// Big-endian bytes straight into a secret.
    func secretBytes(paddedTo length: Int) -> SecretBytes {
        SecretBytes(count: length) { out in
            let written = BN_bn2binpad(pointer, out.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(length))
            precondition(written == Int32(length), "number does not fit in \(length) bytes")
        }
    }

    static func compare(_ lhs: BigNumber, _ rhs: BigNumber) -> Int { Int(BN_cmp(lhs.pointer, rhs.pointer)) }

    static func + (lhs: BigNumber, rhs: BigNumber) -> BigNumber {
        let result = BigNumber()
        precondition(BN_add(result.pointer, lhs.pointer, rhs.pointer) == 1)
        return result
    }

    static func - (lhs: BigNumber, rhs: BigNumber) -> BigNumber {
        let result = BigNumber()
        precondition(BN_sub(result.pointer, lhs.pointer, rhs.pointer) == 1)
        return result
    }

    static func * (lhs: BigNumber, rhs: BigNumber) -> BigNumber {
        let result = BigNumber()
        withContext { precondition(BN_mul(result.pointer, lhs.pointer, rhs.pointer, $0) == 1) }
        return result
    }

    /// Quotient and remainder.
    func divided(by divisor: BigNumber) -> (quotient: BigNumber, remainder: BigNumber) {
        let quotient = BigNumber(), remainder = BigNumber()
        Self.withContext { precondition(BN_div(quotient.pointer, remainder.pointer, pointer, divisor.pointer, $0) == 1) }
        return (quotient, remainder)
    }

    func shiftedLeft(_ bits: Int) -> BigNumber {
        let result = BigNumber()
        precondition(BN_lshift(result.pointer, pointer, Int32(bits)) == 1)
        return result
    }

    func shiftedRight(_ bits: Int) -> BigNumber {
        let result = BigNumber()
        precondition(BN_rshift(result.pointer, pointer, Int32(bits)) == 1)
        return result
    }

    /// self^exponent mod modulus (variable time: public values only).
    func power(_ exponent: BigNumber, modulus: BigNumber) -> BigNumber {
        let result = BigNumber()
        Self.withContext { precondition(BN_mod_exp(result.pointer, pointer, exponent.pointer, modulus.pointer, $0) == 1) }
        return result
    }

    /// Probable-prime test (OpenSSL's Miller-Rabin with its default rounds for the size).
    var isProbablePrime: Bool { Self.withContext { BN_check_prime(pointer, $0, nil) == 1 } }

    static func withContext<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R {
        guard let context = BN_CTX_new() else { preconditionFailure("out of memory") }
        defer { BN_CTX_free(context) }
        return try body(context)
    }
}
