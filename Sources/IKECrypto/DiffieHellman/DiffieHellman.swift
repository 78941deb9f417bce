internal import COpenSSL
import IPsecTypes

/// How long a MODP private exponent is.
///
/// Default `.short`: 2 × the group's security strength in bits, and never below 256 (NIST SP 800-56A
/// Rev. 3 §5.6.1.1.1 requires at least 2s bits for safe-prime groups; RFC 3526 §8 makes the same
/// estimate). That is about a fifth of the cost of a full-length exponent for MODP-2048 (DESIGN
/// "Performance design"); `.full` uses |p| − 1 bits for administrators who want it. Groups with a
/// prime-order subgroup (RFC 5114) and elliptic curves always draw uniformly below the group order.
public enum DHExponentLength: Sendable, Equatable {
    case short
    case full
    /// An explicit length, kept within [160, |p| − 1] bits.
    case bits(Int)

    /// Exponent length in bits for a safe-prime MODP group.
    func bits(for group: DHGroup, primeBits: Int) -> Int {
        switch self {
        case .full: return primeBits - 1
        case .short: return min(primeBits - 1, max(256, 2 * (group.securityStrength ?? 128)))
        case .bits(let bits): return min(primeBits - 1, max(160, bits))
        }
    }
}

/// One side's ephemeral Diffie-Hellman key for one exchange (Phase 1 KE or Quick Mode PFS).
public final class DHPrivateKey: Sendable {
    public let group: DHGroup
    /// The public value as the KE payload carries it (g^x padded to |p|, or x || y for ECP).
    public let publicValue: [UInt8]
    private let privateValue: SecretBytes

    /// Whether this suite implements `group`.
    public static func supports(_ group: DHGroup) -> Bool {
        MODPGroup.named(group) != nil || ECPGroup.named(group) != nil
    }

    /// A fresh key pair from OpenSSL's CSPRNG.
    public static func generate(_ group: DHGroup, exponentLength: DHExponentLength = .short) throws(CryptoError) -> DHPrivateKey {
        let scalar = BigNumber(secret: true)
        if let modp = MODPGroup.named(group) {
            if let order = modp.subgroupOrder {
                try randomBelow(order, into: scalar)
            } else {
                let bits = exponentLength.bits(for: group, primeBits: modp.prime.bitCount)
                repeat {
                    guard BN_priv_rand_ex(scalar.pointer, Int32(bits), BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY, 0, nil) == 1 else {
                        throw OpenSSLRuntime.failure("DH exponent")
                    }
                } while BigNumber.compare(scalar, BigNumber(1)) <= 0
            }
            return try DHPrivateKey(group: group, scalar: scalar, byteLength: modp.byteLength)
        }
        if let ecp = ECPGroup.named(group) {
            try randomBelow(ecp.order, into: scalar)
            return try DHPrivateKey(group: group, scalar: scalar, byteLength: ecp.order.byteCount)
        }
        throw CryptoError(.unsupportedAlgorithm, "Diffie-Hellman group \(group) is not implemented")
    }

    /// A key pair from a known private value (known-answer tests).
    public convenience init(group: DHGroup, privateValue: SecretBytes) throws(CryptoError) {
        try self.init(group: group, scalar: BigNumber(bytes: privateValue, secret: true), byteLength: privateValue.count)
    }

    private init(group: DHGroup, scalar: BigNumber, byteLength: Int) throws(CryptoError) {
        self.group = group
        if let modp = MODPGroup.named(group) {
            publicValue = modp.exponentiate(modp.generator, scalar).bytes(paddedTo: modp.byteLength)
        } else if let ecp = ECPGroup.named(group) {
            guard !scalar.isZero, BigNumber.compare(scalar, ecp.order) < 0 else {
                throw CryptoError(.invalidKey, "\(group) private value outside 1 ≤ d < n")
            }
            publicValue = ecp.multiply(scalar, xOnly: false).revealed()
        } else {
            throw CryptoError(.unsupportedAlgorithm, "Diffie-Hellman group \(group) is not implemented")
        }
        privateValue = scalar.secretBytes(paddedTo: max(byteLength, scalar.byteCount))
    }

    private static func randomBelow(_ bound: BigNumber, into scalar: BigNumber) throws(CryptoError) {
        repeat {
            guard BN_priv_rand_range_ex(scalar.pointer, bound.pointer, 0, nil) == 1 else {
                throw OpenSSLRuntime.failure("DH private value")
            }
        } while scalar.isZero
    }

    /// g^xy: the peer's public value checked, then combined with ours. MODP secrets are padded to |p|
    /// (RFC 2409 hashes them at that length); ECP secrets are the x coordinate (RFC 5903 §7).
    public func sharedSecret(withPeer peerPublicValue: [UInt8]) throws(CryptoError) -> SecretBytes {
        let scalar = BigNumber(bytes: privateValue, secret: true)
        if let modp = MODPGroup.named(group) {
            let peer = try modp.validatePeerValue(peerPublicValue)
            let shared = modp.exponentiate(peer, scalar)
            guard !shared.isOne else { throw CryptoError(.invalidPublicValue, "\(group) shared secret is 1") }
            return shared.secretBytes(paddedTo: modp.byteLength)
        }
        guard let ecp = ECPGroup.named(group) else {
            throw CryptoError(.unsupportedAlgorithm, "Diffie-Hellman group \(group) is not implemented")
        }
        let point = try ecp.peerPoint(peerPublicValue)
        defer { EC_POINT_free(point) }
        return ecp.multiply(scalar, point: point, xOnly: true)
    }
}
