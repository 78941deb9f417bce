internal import COpenSSL
import IPsecTypes

/// An elliptic curve over a prime field (RFC 5903, RFC 5114 §2.6/2.7, RFC 6932 brainpool curves), shared
/// read-only. KE payloads carry x || y, each padded to the field size; the shared secret is x alone
/// (RFC 5903 §7, which corrected RFC 4753's x || y).
final class ECPGroup: @unchecked Sendable {
    let group: DHGroup
    let curve: OpaquePointer
    let order: BigNumber
    /// Bytes per coordinate.
    let coordinateLength: Int

    private init?(group: DHGroup, nid: Int32) {
        guard let curve = EC_GROUP_new_by_curve_name(nid) else { return nil }
        let order = BigNumber()
        guard EC_GROUP_get_order(curve, order.pointer, nil) == 1 else {
            EC_GROUP_free(curve)
            return nil
        }
        self.group = group
        self.curve = curve
        self.order = order
        self.coordinateLength = (Int(EC_GROUP_get_degree(curve)) + 7) / 8
    }

    deinit { EC_GROUP_free(curve) }

    static func named(_ group: DHGroup) -> ECPGroup? { table[group] }

    private static let table: [DHGroup: ECPGroup] = {
        _ = OpenSSLRuntime.providers
        let curves: [(DHGroup, Int32)] = [
            (.ecp256, NID_X9_62_prime256v1), (.ecp384, NID_secp384r1), (.ecp521, NID_secp521r1),
            (.ecp192, NID_X9_62_prime192v1), (.ecp224, NID_secp224r1),
            (.brainpoolP224r1, NID_brainpoolP224r1), (.brainpoolP256r1, NID_brainpoolP256r1),
            (.brainpoolP384r1, NID_brainpoolP384r1), (.brainpoolP512r1, NID_brainpoolP512r1),
        ]
        var table: [DHGroup: ECPGroup] = [:]
        for (group, nid) in curves {
            if let curve = ECPGroup(group: group, nid: nid) { table[group] = curve }
        }
        ERR_clear_error()
        return table
    }()

    /// scalar × G (scalar nil) or scalar × point, as x || y bytes, or just x when `xOnly`.
    func multiply(_ scalar: BigNumber, point: OpaquePointer? = nil, xOnly: Bool) -> SecretBytes {
        guard let result = EC_POINT_new(curve) else { preconditionFailure("out of memory") }
        defer { EC_POINT_clear_free(result) }
        let x = BigNumber(secret: true), y = BigNumber(secret: true)
        BigNumber.withContext { context in
            let ok = point == nil
                ? EC_POINT_mul(curve, result, scalar.pointer, nil, nil, context)
                : EC_POINT_mul(curve, result, nil, point, scalar.pointer, context)
            precondition(ok == 1 && EC_POINT_is_at_infinity(curve, result) == 0, "EC multiplication failed")
            precondition(EC_POINT_get_affine_coordinates(curve, result, x.pointer, y.pointer, context) == 1)
        }
        if xOnly { return x.secretBytes(paddedTo: coordinateLength) }
        return x.secretBytes(paddedTo: coordinateLength) + y.secretBytes(paddedTo: coordinateLength)
    }

    /// Parses and checks a peer's x || y: exact length, coordinates below p, on the curve, not the point
    /// at infinity (all curves here have cofactor 1, so on-curve means in the prime-order group).
    func peerPoint(_ bytes: [UInt8]) throws(CryptoError) -> OpaquePointer {
        guard bytes.count == 2 * coordinateLength else {
            throw CryptoError(.invalidPublicValue, "\(group) public value of \(bytes.count) bytes, expected \(2 * coordinateLength)")
        }
        let x = BigNumber(bytes: bytes[..<coordinateLength]), y = BigNumber(bytes: bytes[coordinateLength...])
        guard let point = EC_POINT_new(curve) else { preconditionFailure("out of memory") }
        let ok = BigNumber.withContext { context in
            EC_POINT_set_affine_coordinates(curve, point, x.pointer, y.pointer, context) == 1
                && EC_POINT_is_on_curve(curve, point, context) == 1
                && EC_POINT_is_at_infinity(curve, point) == 0
        }
        guard ok else {
            EC_POINT_free(point)
            ERR_clear_error()
            throw CryptoError(.invalidPublicValue, "\(group) public value is not a point on the curve")
        }
        return point
    }
}
