internal import COpenSSL
import IPsecTypes

/// The parameters of a MODP group: prime p, generator g, and for the RFC 5114 groups the prime order q
/// of the subgroup g generates. Built once per group and shared read-only.
final class MODPGroup: @unchecked Sendable {
    let group: DHGroup
    let prime: BigNumber
    let generator: BigNumber
    /// Order of the subgroup (RFC 5114 groups 22–24); nil for the safe-prime groups.
    let subgroupOrder: BigNumber?
    let primeMinusOne: BigNumber
    /// Length of p in bytes: KE payloads and shared secrets have exactly this length.
    let byteLength: Int
    /// Montgomery context for p, reused by every exponentiation (read-only after set-up).
    let montgomery: OpaquePointer

    private init(group: DHGroup, prime: BigNumber, generator: BigNumber, subgroupOrder: BigNumber?) {
        self.group = group
        self.prime = prime
        self.generator = generator
        self.subgroupOrder = subgroupOrder
        self.primeMinusOne = prime - BigNumber(1)
        self.byteLength = prime.byteCount
        guard let montgomery = BN_MONT_CTX_new() else { preconditionFailure("out of memory") }
        BigNumber.withContext { precondition(BN_MONT_CTX_set(montgomery, prime.pointer, $0) == 1) }
        self.montgomery = montgomery
    }

    deinit { BN_MONT_CTX_free(montgomery) }

    /// The group's parameters, or nil when `group` is not a MODP group we implement.
    static func named(_ group: DHGroup) -> MODPGroup? { table[group] }

    private static let table: [DHGroup: MODPGroup] = {
        _ = OpenSSLRuntime.providers
        var table: [DHGroup: MODPGroup] = [:]
        // RFC 2409 §6.1/6.2 and RFC 3526 primes, generator 2. OpenSSL carries these constants.
        let safePrimes: [(DHGroup, (OpaquePointer?) -> OpaquePointer?)] = [
            (.modp768, BN_get_rfc2409_prime_768), (.modp1024, BN_get_rfc2409_prime_1024),
            (.modp1536, BN_get_rfc3526_prime_1536), (.modp2048, BN_get_rfc3526_prime_2048),
            (.modp3072, BN_get_rfc3526_prime_3072), (.modp4096, BN_get_rfc3526_prime_4096),
            (.modp6144, BN_get_rfc3526_prime_6144), (.modp8192, BN_get_rfc3526_prime_8192),
        ]
        for (group, make) in safePrimes {
            guard let prime = make(nil) else { continue }
            table[group] = MODPGroup(group: group, prime: BigNumber(taking: prime), generator: BigNumber(2), subgroupOrder: nil)
        }
        // RFC 5114 §2.1–2.3 groups, taken from OpenSSL's named FFC groups.
        for (group, name) in [(DHGroup.modp1024s160, "dh_1024_160"), (.modp2048s224, "dh_2048_224"), (.modp2048s256, "dh_2048_256")] {
            if let parameters = namedFFCGroup(name) {
                table[group] = MODPGroup(group: group, prime: parameters.p, generator: parameters.g, subgroupOrder: parameters.q)
            }
        }
        ERR_clear_error()
        return table
    }()

    private static func namedFFCGroup(_ name: String) -> (p: BigNumber, g: BigNumber, q: BigNumber)? {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "DH", nil) else { return nil }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_paramgen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, name) == 1,
              EVP_PKEY_paramgen(context, &key) == 1, let key
        else { return nil }
        defer { EVP_PKEY_free(key) }
        func parameter(_ field: String) -> BigNumber? {
            var bn: OpaquePointer? = nil
            guard EVP_PKEY_get_bn_param(key, field, &bn) == 1, let bn else { return nil }
            return BigNumber(taking: bn)
        }
        guard let p = parameter("p"), let g = parameter("g"), let q = parameter("q") else { return nil }
        return (p, g, q)
    }

    /// g^x mod p, or y^x mod p, in constant time with respect to the exponent.
    func exponentiate(_ base: BigNumber, _ exponent: BigNumber) -> BigNumber {
        let result = BigNumber(secret: true)
        BigNumber.withContext { context in
            precondition(BN_mod_exp_mont_consttime(result.pointer, base.pointer, exponent.pointer, prime.pointer, context, montgomery) == 1)
        }
        return result
    }

    /// Checks a peer's public value (RFC 2409 §5 length rule; NIST SP 800-56A §5.6.2.3.1 range and,
    /// for prime-order subgroups, membership): exactly |p| bytes, 1 < y < p−1, y^q = 1 when q is known.
    func validatePeerValue(_ bytes: [UInt8]) throws(CryptoError) -> BigNumber {
        guard bytes.count == byteLength else {
            throw CryptoError(.invalidPublicValue, "\(group) public value of \(bytes.count) bytes, expected \(byteLength)")
        }
        let value = BigNumber(bytes: bytes)
        guard BigNumber.compare(value, BigNumber(1)) > 0, BigNumber.compare(value, primeMinusOne) < 0 else {
            throw CryptoError(.invalidPublicValue, "\(group) public value outside 1 < y < p-1")
        }
        if let order = subgroupOrder, !value.power(order, modulus: prime).isOne {
            throw CryptoError(.invalidPublicValue, "\(group) public value outside the prime-order subgroup")
        }
        return value
    }
}
