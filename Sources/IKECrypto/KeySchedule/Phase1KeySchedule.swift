import IPsecTypes

/// The Phase 1 key schedule of RFC 2409 §5 and Appendix B: SKEYID by authentication method, the three
/// derived keys, the expanded encryption key, and HASH_I / HASH_R.
///
/// It owns the keys; callers get the verbs they need (hashes, key material for the cipher, SKEYID_d and
/// SKEYID_a for Phase 2) rather than raw fields to combine themselves.
public struct Phase1KeySchedule: Sendable {
    /// How SKEYID is computed (RFC 2409 §5).
    public enum Method: Sendable {
        /// SKEYID = prf(pre-shared-key, Ni_b | Nr_b)
        case preSharedKey(SecretBytes)
        /// SKEYID = prf(Ni_b | Nr_b, g^xy) (DSS and RSA signatures)
        case signature
        /// SKEYID = prf(hash(Ni_b | Nr_b), CKY-I | CKY-R) (RSA encryption, original and revised)
        case publicKeyEncryption
    }

    /// The negotiated hash; its HMAC is the PRF.
    public let digest: Digest
    public let skeyid: SecretBytes
    public let skeyidD: SecretBytes
    public let skeyidA: SecretBytes
    public let skeyidE: SecretBytes
    /// The cipher key: SKEYID_e, expanded by Appendix B when too short, truncated to the key length.
    public let encryptionKey: SecretBytes

    let initiatorCookie: [UInt8]
    let responderCookie: [UInt8]

    public init(
        method: Method, hash: HashAlgorithm, sharedSecret: SecretBytes,
        initiatorCookie: [UInt8], responderCookie: [UInt8],
        initiatorNonce: [UInt8], responderNonce: [UInt8], encryptionKeyLength: Int
    ) throws(CryptoError) {
        let digest = try Digest(hash)
        let skeyid: SecretBytes
        switch method {
        case .preSharedKey(let key):
            skeyid = digest.prfSecret(key: key, initiatorNonce, responderNonce)
        case .signature:
            skeyid = digest.prfSecret(key: initiatorNonce + responderNonce, sharedSecret)
        case .publicKeyEncryption:
            skeyid = digest.prfSecret(key: digest.hash(initiatorNonce, responderNonce), initiatorCookie, responderCookie)
        }
        let d = digest.prfSecret(key: skeyid, sharedSecret, initiatorCookie, responderCookie, [UInt8(0)])
        let a = digest.prfSecret(key: skeyid, d, sharedSecret, initiatorCookie, responderCookie, [UInt8(1)])
        let e = digest.prfSecret(key: skeyid, a, sharedSecret, initiatorCookie, responderCookie, [UInt8(2)])
        self.digest = digest
        self.skeyid = skeyid
        self.skeyidD = d
        self.skeyidA = a
        self.skeyidE = e
        self.encryptionKey = Self.expandEncryptionKey(e, length: encryptionKeyLength, digest: digest)
        self.initiatorCookie = initiatorCookie
        self.responderCookie = responderCookie
    }

    /// RFC 2409 Appendix B: when SKEYID_e is shorter than the key, Ka = K1 | K2 | …, with
    /// K1 = prf(SKEYID_e, 0) (one zero octet, as strongSwan and Libreswan read it) and
    /// K(n+1) = prf(SKEYID_e, Kn); the key is the first `length` bytes.
    public static func expandEncryptionKey(_ skeyidE: SecretBytes, length: Int, digest: Digest) -> SecretBytes {
        if skeyidE.count >= length { return skeyidE.prefix(length) }
        var blocks = [digest.prfSecret(key: skeyidE, [UInt8(0)])]
        var total = blocks[0].count
        while total < length {
            let next = digest.prfSecret(key: skeyidE, blocks[blocks.count - 1])
            blocks.append(next)
            total += next.count
        }
        return blocks.dropFirst().reduce(blocks[0], +).prefix(length)
    }

    /// HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b) (RFC 2409 §5).
    public func initiatorHash(initiatorPublic: [UInt8], responderPublic: [UInt8], saBody: [UInt8], idBody: [UInt8]) -> [UInt8] {
        digest.prf(key: skeyid, initiatorPublic, responderPublic, initiatorCookie, responderCookie, saBody, idBody)
    }

    /// HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b): both pairs swapped, SAi_b
    /// still the initiator's.
    public func responderHash(initiatorPublic: [UInt8], responderPublic: [UInt8], saBody: [UInt8], idBody: [UInt8]) -> [UInt8] {
        digest.prf(key: skeyid, responderPublic, initiatorPublic, responderCookie, initiatorCookie, saBody, idBody)
    }
}
