internal import COpenSSL
import IPsecTypes

/// RSA as IKEv1 uses it.
///
/// Signatures (RFC 2409 §5.1) are PKCS#1 v1.5 type-1 padding directly over HASH_I/HASH_R, with no
/// DigestInfo. Verification is by re-encoding: the public operation recovers the whole encoded block,
/// and it must equal `00 01 FF…FF 00 ‖ hash` byte for byte (RFC 8017 §8.2.2 style). Nothing is parsed out
/// of the block, so the lenient-parsing forgeries of the e=3 history (Solaris CVE-2006-5201, strongSwan
/// CVE-2018-16151/16152) have nothing to work on.
extension PrivateKey {
    /// Signs an IKE hash (RFC 2409 §5.1).
    public func signPKCS1(_ hash: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard kind == .rsa else { throw CryptoError(.invalidKey, "not an RSA key") }
        let size = (bits + 7) / 8
        guard hash.count + 11 <= size else {
            throw CryptoError(.invalidLength, "\(hash.count)-byte hash does not fit RSA-\(bits) PKCS#1 padding")
        }
        return try key.withReusableContext(.signPKCS1, setUp: {
            EVP_PKEY_sign_init($0) == 1 && EVP_PKEY_CTX_set_rsa_padding($0, RSA_PKCS1_PADDING) == 1
        }) { context throws(CryptoError) in
            try sign(context, hash, capacity: size)
        }
    }

    /// PKCS#1 v1.5 decryption (RFC 2409 §5.2/§5.3 RSA-encryption authentication).
    public func decryptPKCS1(_ ciphertext: [UInt8]) throws(CryptoError) -> SecretBytes {
        guard kind == .rsa else { throw CryptoError(.invalidKey, "not an RSA key") }
        let size = (bits + 7) / 8
        guard ciphertext.count == size else {
            throw CryptoError(.decryptionFailed, "ciphertext of \(ciphertext.count) bytes for RSA-\(bits)")
        }
        return try key.withContext { context throws(CryptoError) in
            guard EVP_PKEY_decrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 else {
                throw OpenSSLRuntime.failure("RSA decrypt set-up")
            }
            var buffer = [UInt8](repeating: 0, count: size)
            defer { OPENSSL_cleanse(&buffer, buffer.count) }
            var length = size
            guard EVP_PKEY_decrypt(context, &buffer, &length, ciphertext, ciphertext.count) == 1 else {
                ERR_clear_error()
                // One undifferentiated error for every failure: a padding oracle must learn nothing
                // (Bleichenbacher; Felsch et al. 2018 on IKEv1 RSA encryption).
                throw CryptoError(.decryptionFailed, "RSA decryption failed")
            }
            return SecretBytes(buffer.prefix(length))
        }
    }

    /// The raw RSA private operation on a full-size block (no padding added). Internal: tests build
    /// forged encodings with it.
    func rawPrivateOperation(_ block: [UInt8]) throws(CryptoError) -> [UInt8] {
        try key.withContext { context throws(CryptoError) in
            guard EVP_PKEY_sign_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_NO_PADDING) == 1 else {
                throw OpenSSLRuntime.failure("RSA raw set-up")
            }
            return try sign(context, block, capacity: (bits + 7) / 8)
        }
    }

    func sign(_ context: OpaquePointer, _ input: [UInt8], capacity: Int) throws(CryptoError) -> [UInt8] {
        var length = 0
        guard EVP_PKEY_sign(context, nil, &length, input, input.count) == 1 else { throw OpenSSLRuntime.failure("sign") }
        var signature = [UInt8](repeating: 0, count: max(length, capacity))
        guard EVP_PKEY_sign(context, &signature, &length, input, input.count) == 1 else { throw OpenSSLRuntime.failure("sign") }
        signature.removeLast(signature.count - length)
        return signature
    }
}

extension PublicKey {
    /// Verifies an IKE RSA signature strictly (see the type comment): exact length, exact encoding.
    public func verifyPKCS1(signature: [UInt8], hash: [UInt8]) throws(CryptoError) {
        guard kind == .rsa else { throw CryptoError(.invalidKey, "not an RSA key") }
        let size = (bits + 7) / 8
        guard signature.count == size else {
            throw CryptoError(.signatureInvalid, "signature of \(signature.count) bytes for RSA-\(bits)")
        }
        guard hash.count + 11 <= size else { throw CryptoError(.signatureInvalid, "hash too long for the key") }
        let recovered: [UInt8] = try key.withReusableContext(.verifyRecoverRaw, setUp: {
            EVP_PKEY_verify_recover_init($0) == 1 && EVP_PKEY_CTX_set_rsa_padding($0, RSA_NO_PADDING) == 1
        }) { context throws(CryptoError) in
            var out = [UInt8](repeating: 0, count: size)
            var length = size
            guard EVP_PKEY_verify_recover(context, &out, &length, signature, signature.count) == 1 else {
                ERR_clear_error()
                throw CryptoError(.signatureInvalid, "RSA public operation rejected the signature")
            }
            // verify_recover with no padding returns the block without its leading zero bytes.
            return [UInt8](repeating: 0, count: size - length) + out.prefix(length)
        }
        var expected: [UInt8] = [0x00, 0x01]
        expected += [UInt8](repeating: 0xFF, count: size - 3 - hash.count)
        expected.append(0x00)
        expected += hash
        guard constantTimeEquals(recovered, expected) else {
            throw CryptoError(.signatureInvalid, "PKCS#1 encoding does not match the hash")
        }
    }

    /// PKCS#1 v1.5 encryption (RSA-encryption authentication: nonce and ID go encrypted to the peer).
    public func encryptPKCS1(_ plaintext: some ByteSource) throws(CryptoError) -> [UInt8] {
        guard kind == .rsa else { throw CryptoError(.invalidKey, "not an RSA key") }
        let size = (bits + 7) / 8
        return try key.withContext { context throws(CryptoError) in
            guard EVP_PKEY_encrypt_init(context) == 1, EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1 else {
                throw OpenSSLRuntime.failure("RSA encrypt set-up")
            }
            var out = [UInt8](repeating: 0, count: size)
            var length = size
            let ok = plaintext.withBytes {
                EVP_PKEY_encrypt(context, &out, &length, $0.baseAddress?.assumingMemoryBound(to: UInt8.self), $0.count) == 1
            }
            guard ok else { throw OpenSSLRuntime.failure("RSA encryption", .invalidLength) }
            return Array(out.prefix(length))
        }
    }
}
