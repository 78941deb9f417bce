internal import COpenSSL
import Synchronization

/// The kind of an asymmetric key.
public enum AsymmetricKeyKind: Sendable, Equatable {
    case rsa
    case dsa
    case other
}

/// An owned EVP_PKEY (immutable after creation, so shared freely).
final class EVPKey: @unchecked Sendable {
    /// Operations whose initialised contexts are kept for reuse.
    enum Operation: Hashable {
        case signPKCS1
        case verifyRecoverRaw
    }

    let pointer: OpaquePointer
    /// Idle initialised contexts. OpenSSL 3 fetches the algorithm implementation on every context
    /// set-up, which cost more than the RSA public operation itself (measured: docs/PERFORMANCE.md);
    /// a context is taken out while in use, so no two threads share one.
    private let idle = Mutex<[Operation: [ContextHandle]]>([:])

    /// An EVP_PKEY_CTX owned by the idle table while nobody uses it.
    struct ContextHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Kind and size, read once: EVP_PKEY_is_a looks the name up in OpenSSL 3's name map each time.
    let kind: AsymmetricKeyKind
    let bits: Int

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        kind = EVP_PKEY_is_a(pointer, "RSA") == 1 ? .rsa : EVP_PKEY_is_a(pointer, "DSA") == 1 ? .dsa : .other
        bits = Int(EVP_PKEY_get_bits(pointer))
    }

    deinit {
        idle.withLock { table in
            for contexts in table.values { contexts.forEach { EVP_PKEY_CTX_free($0.pointer) } }
        }
        EVP_PKEY_free(pointer)
    }

    /// Runs `body` with an initialised context for `operation`, set up by `setUp` when none is idle.
    func withReusableContext<R>(
        _ operation: Operation, setUp: (OpaquePointer) -> Bool, _ body: (OpaquePointer) throws(CryptoError) -> R
    ) throws(CryptoError) -> R {
        var context = idle.withLock { $0[operation]?.popLast() }?.pointer
        if context == nil {
            guard let fresh = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else { throw OpenSSLRuntime.failure("EVP_PKEY_CTX_new_from_pkey") }
            guard setUp(fresh) else {
                EVP_PKEY_CTX_free(fresh)
                throw OpenSSLRuntime.failure("context set-up")
            }
            context = fresh
        }
        guard let context else { preconditionFailure("context missing") }
        defer {
            let handle = ContextHandle(pointer: context)
            let kept = idle.withLock { table in
                // A handful per operation covers every worker thread; more are freed.
                guard table[operation, default: []].count < 8 else { return false }
                table[operation, default: []].append(handle)
                return true
            }
            if !kept { EVP_PKEY_CTX_free(context) }
        }
        return try body(context)
    }


    /// Runs `body` with a fresh operation context on this key.
    func withContext<R>(_ body: (OpaquePointer) throws(CryptoError) -> R) throws(CryptoError) -> R {
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pointer, nil) else {
            throw OpenSSLRuntime.failure("EVP_PKEY_CTX_new_from_pkey")
        }
        defer { EVP_PKEY_CTX_free(context) }
        return try body(context)
    }

    /// Loads PEM or DER bytes with `pem` / `der` readers.
    static func load(
        _ bytes: [UInt8], what: String,
        pem: (OpaquePointer) -> OpaquePointer?, der: (UnsafePointer<UInt8>, Int) -> OpaquePointer?
    ) throws(CryptoError) -> EVPKey {
        guard let key = decode(bytes, pem: pem, der: der) else { throw OpenSSLRuntime.failure("cannot parse \(what)", .invalidKey) }
        return EVPKey(taking: key)
    }

    /// Runs the PEM reader (on a memory BIO) or the DER reader over `bytes`, keeping the buffer alive
    /// for the BIO's whole life; the OpenSSL object it made, or nil.
    static func decode(
        _ bytes: [UInt8], pem: (OpaquePointer) -> OpaquePointer?, der: (UnsafePointer<UInt8>, Int) -> OpaquePointer?
    ) -> OpaquePointer? {
        _ = OpenSSLRuntime.providers
        let isPEM = bytes.starts(with: Array("-----BEGIN".utf8))
        return bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            if isPEM {
                guard let bio = BIO_new_mem_buf(base, Int32(buffer.count)) else { return nil }
                defer { BIO_free(bio) }
                return pem(bio)
            }
            return der(base, buffer.count)
        }
    }
}

/// A public key (RSA or DSA) from a SubjectPublicKeyInfo, PEM or DER.
public struct PublicKey: Sendable {
    let key: EVPKey

    init(key: EVPKey) { self.key = key }

    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        key = try EVPKey.load(
            bytes, what: "public key",
            pem: { PEM_read_bio_PUBKEY($0, nil, nil, nil) },
            der: { base, count in
                var cursor: UnsafePointer<UInt8>? = base
                return d2i_PUBKEY(nil, &cursor, count)
            })
    }

    public var kind: AsymmetricKeyKind { key.kind }
    /// Modulus (RSA) or prime (DSA) size in bits.
    public var bits: Int { key.bits }

    /// DER SubjectPublicKeyInfo.
    public func derEncoded() -> [UInt8] {
        let length = i2d_PUBKEY(key.pointer, nil)
        guard length > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(length))
        out.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = i2d_PUBKEY(key.pointer, &cursor)
        }
        return out
    }
}

/// A private key (RSA or DSA), PEM or DER (PKCS#1, PKCS#8 or traditional DSA).
public struct PrivateKey: Sendable {
    let key: EVPKey

    public init(encoded bytes: [UInt8]) throws(CryptoError) {
        key = try EVPKey.load(
            bytes, what: "private key",
            pem: { PEM_read_bio_PrivateKey($0, nil, nil, nil) },
            der: { base, count in
                var cursor: UnsafePointer<UInt8>? = base
                return d2i_AutoPrivateKey(nil, &cursor, count)
            })
    }

    init(key: EVPKey) { self.key = key }

    public var kind: AsymmetricKeyKind { key.kind }
    public var bits: Int { key.bits }

    /// The matching public key.
    public var publicKey: PublicKey {
        // i2d_PUBKEY writes only the public half; reading it back gives a key with no private parts.
        let der = PublicKey(key: key).derEncoded()
        // Our own encoding of a key OpenSSL holds always parses.
        guard let parsed = try? PublicKey(encoded: der) else { preconditionFailure("public key round trip failed") }
        return parsed
    }

    /// A new RSA key (ikecert certlocal -ks; tests).
    public static func generateRSA(bits: Int, publicExponent: UInt = 65537) throws(CryptoError) -> PrivateKey {
        _ = OpenSSLRuntime.providers
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "RSA", nil) else { throw OpenSSLRuntime.failure("RSA context") }
        defer { EVP_PKEY_CTX_free(context) }
        let exponent = BigNumber(publicExponent)
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_rsa_keygen_bits(context, Int32(bits)) == 1,
              EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context, exponent.pointer) == 1,
              EVP_PKEY_generate(context, &key) == 1, let key
        else { throw OpenSSLRuntime.failure("RSA-\(bits) key generation") }
        return PrivateKey(key: EVPKey(taking: key))
    }

    /// A new DSA key with fresh domain parameters (L = `bits`, N = `subgroupBits`).
    public static func generateDSA(bits: Int, subgroupBits: Int = 160) throws(CryptoError) -> PrivateKey {
        _ = OpenSSLRuntime.providers
        guard let parameterContext = EVP_PKEY_CTX_new_from_name(nil, "DSA", nil) else { throw OpenSSLRuntime.failure("DSA context") }
        defer { EVP_PKEY_CTX_free(parameterContext) }
        var parameters: OpaquePointer? = nil
        guard EVP_PKEY_paramgen_init(parameterContext) == 1,
              EVP_PKEY_CTX_set_dsa_paramgen_bits(parameterContext, Int32(bits)) == 1,
              EVP_PKEY_CTX_set_dsa_paramgen_q_bits(parameterContext, Int32(subgroupBits)) == 1,
              EVP_PKEY_paramgen(parameterContext, &parameters) == 1, let parameters
        else { throw OpenSSLRuntime.failure("DSA-\(bits) parameter generation") }
        defer { EVP_PKEY_free(parameters) }
        guard let keyContext = EVP_PKEY_CTX_new_from_pkey(nil, parameters, nil) else { throw OpenSSLRuntime.failure("DSA key context") }
        defer { EVP_PKEY_CTX_free(keyContext) }
        var key: OpaquePointer? = nil
        guard EVP_PKEY_keygen_init(keyContext) == 1, EVP_PKEY_generate(keyContext, &key) == 1, let key else {
            throw OpenSSLRuntime.failure("DSA-\(bits) key generation")
        }
        return PrivateKey(key: EVPKey(taking: key))
    }

    /// Unencrypted PKCS#8 DER of the private key (`ikecert certlocal -e`).
    public func pkcs8DER() throws(CryptoError) -> [UInt8] {
        guard let info = EVP_PKEY2PKCS8(key.pointer) else { throw OpenSSLRuntime.failure("PKCS#8 encoding") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        let der = OpenSSLRuntime.derEncoding { i2d_PKCS8_PRIV_KEY_INFO(info, $0) }
        guard !der.isEmpty else { throw OpenSSLRuntime.failure("PKCS#8 encoding") }
        return der
    }

    /// PKCS#8 PEM of the private key (for ike.privatekeys files and tests).
    public func pkcs8PEM() throws(CryptoError) -> [UInt8] {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLRuntime.failure("BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PKCS8PrivateKey(bio, key.pointer, nil, nil, 0, nil, nil) == 1 else {
            throw OpenSSLRuntime.failure("PEM encoding")
        }
        var data: UnsafeMutableRawPointer? = nil
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &data)
        guard length > 0, let data else { throw OpenSSLRuntime.failure("PEM encoding") }
        return Array(UnsafeRawBufferPointer(start: data, count: length))
    }
}

extension PublicKey {
    /// The subject public key of a DER X.509 certificate (CERT payloads, encoding 4).
    public init(certificateDER der: [UInt8]) throws(CryptoError) {
        _ = OpenSSLRuntime.providers
        let key: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let certificate = d2i_X509(nil, &cursor, buffer.count) else { return nil }
            defer { X509_free(certificate) }
            return X509_get_pubkey(certificate)
        }
        guard let key else { throw OpenSSLRuntime.failure("cannot parse certificate", .invalidKey) }
        self.init(key: EVPKey(taking: key))
    }
}

/// Signs IKE hashes with a private key it never hands out: the one way the daemon uses private
/// keys (STYLE §4.5), so a key store in another process could stand behind it.
public protocol Signer: Sendable {
    var keyKind: AsymmetricKeyKind { get }
    /// Key size in bits.
    var keyBits: Int { get }
    /// An RSA (PKCS#1 v1.5 over the hash, RFC 2409 §5.1) or DSS (r ‖ s) signature of `hash`.
    func sign(_ hash: [UInt8]) throws(CryptoError) -> [UInt8]
}

extension PrivateKey: Signer {
    public var keyKind: AsymmetricKeyKind { kind }
    public var keyBits: Int { bits }

    public func sign(_ hash: [UInt8]) throws(CryptoError) -> [UInt8] {
        switch kind {
        case .rsa: try signPKCS1(hash)
        case .dsa: try signDSS(hash)
        case .other: throw CryptoError(.invalidKey, "neither an RSA nor a DSA key")
        }
    }
}
