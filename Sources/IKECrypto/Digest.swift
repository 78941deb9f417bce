internal import COpenSSL
import IPsecTypes

/// A fetched OpenSSL algorithm object; immutable after the fetch, so shared across threads.
final class FetchedAlgorithm: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
}

/// Message digests and their HMAC, the IKEv1 PRF (RFC 2409 §4: with no PRF attribute negotiated the PRF
/// is the HMAC of the negotiated hash).
public struct Digest: Sendable {
    public let algorithm: HashAlgorithm
    let md: FetchedAlgorithm
    /// Output length in bytes.
    public let length: Int

    private static let fetched: [HashAlgorithm: FetchedAlgorithm] = {
        _ = OpenSSLRuntime.providers
        let names: [(HashAlgorithm, String)] = [
            (.md5, "MD5"), (.sha1, "SHA1"), (.sha256, "SHA2-256"), (.sha384, "SHA2-384"), (.sha512, "SHA2-512"),
        ]
        var table: [HashAlgorithm: FetchedAlgorithm] = [:]
        for (algorithm, name) in names {
            if let md = EVP_MD_fetch(nil, name, nil) { table[algorithm] = FetchedAlgorithm(md) }
        }
        ERR_clear_error()
        return table
    }()

    private static let hmac: FetchedAlgorithm? = {
        _ = OpenSSLRuntime.providers
        return EVP_MAC_fetch(nil, "HMAC", nil).map(FetchedAlgorithm.init)
    }()

    /// The C string OpenSSL's HMAC takes as its "digest" parameter; allocated once and kept for the life
    /// of the process because OSSL_PARAM holds the pointer (DESIGN "pitfalls": pointer lifetimes).
    private nonisolated(unsafe) static let digestNames: [HashAlgorithm: UnsafeMutablePointer<CChar>] = [
        .md5: strdup("MD5"), .sha1: strdup("SHA1"), .sha256: strdup("SHA2-256"),
        .sha384: strdup("SHA2-384"), .sha512: strdup("SHA2-512"),
    ].compactMapValues { $0 }
    private nonisolated(unsafe) static let digestKey: UnsafeMutablePointer<CChar>? = strdup("digest")

    public init(_ algorithm: HashAlgorithm) throws(CryptoError) {
        guard let md = Self.fetched[algorithm] else {
            throw CryptoError(.unsupportedAlgorithm, "hash \(algorithm) is not implemented")
        }
        self.algorithm = algorithm
        self.md = md
        self.length = Int(EVP_MD_get_size(md.pointer))
    }

    /// hash(parts[0] | parts[1] | …).
    public func hash(_ parts: any ByteSource...) -> [UInt8] { hash(parts) }

    public func hash(_ parts: [any ByteSource]) -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("out of memory") }
        defer { EVP_MD_CTX_free(context) }
        var ok = EVP_DigestInit_ex2(context, md.pointer, nil) == 1
        for part in parts {
            ok = ok && part.withBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) == 1 }
        }
        var out = [UInt8](repeating: 0, count: length)
        var outLength: UInt32 = 0
        ok = ok && EVP_DigestFinal_ex(context, &out, &outLength) == 1
        // A fetched digest over memory cannot fail short of memory exhaustion.
        precondition(ok && Int(outLength) == length, "digest failed: \(OpenSSLRuntime.lastError())")
        return out
    }

    /// prf(key, parts[0] | parts[1] | …) = HMAC(key, …) as public bytes (hashes sent on the wire).
    public func prf(key: some ByteSource, _ parts: any ByteSource...) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        out.withUnsafeMutableBytes { hmac(key: key, parts, into: $0) }
        return out
    }

    /// prf(key, …) as a secret (SKEYID and everything derived from it).
    public func prfSecret(key: some ByteSource, _ parts: any ByteSource...) -> SecretBytes {
        prfSecret(key: key, parts)
    }

    public func prfSecret(key: some ByteSource, _ parts: [any ByteSource]) -> SecretBytes {
        SecretBytes(count: length) { hmac(key: key, parts, into: $0) }
    }

    private func hmac(key: some ByteSource, _ parts: [any ByteSource], into out: UnsafeMutableRawBufferPointer) {
        guard let mac = Self.hmac, let context = EVP_MAC_CTX_new(mac.pointer),
              let name = Self.digestNames[algorithm], let digestKey = Self.digestKey
        else { preconditionFailure("HMAC unavailable: \(OpenSSLRuntime.lastError())") }
        defer { EVP_MAC_CTX_free(context) }
        var params = [OSSL_PARAM_construct_utf8_string(digestKey, name, 0), OSSL_PARAM_construct_end()]
        // HMAC with an empty key is defined (RFC 2104 pads the key with zeros); OpenSSL wants a non-null pointer.
        var zero: UInt8 = 0
        var ok = key.withBytes { keyBytes in
            if keyBytes.isEmpty { return EVP_MAC_init(context, &zero, 0, &params) == 1 }
            return EVP_MAC_init(context, keyBytes.baseAddress, keyBytes.count, &params) == 1
        }
        for part in parts {
            ok = ok && part.withBytes { $0.isEmpty || EVP_MAC_update(context, $0.baseAddress, $0.count) == 1 }
        }
        var outLength = 0
        ok = ok && EVP_MAC_final(context, out.baseAddress, &outLength, out.count) == 1
        precondition(ok && outLength == length, "HMAC failed: \(OpenSSLRuntime.lastError())")
    }
}
