internal import COpenSSL

/// DSS signatures as IKEv1 sends them (RFC 2409 §5.1 with the DSS of FIPS 186): the SIG payload holds
/// r ‖ s, each padded to the length of q (40 bytes for the classic 160-bit q), not the DER structure.
extension PrivateKey {
    public func signDSS(_ hash: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard kind == .dsa else { throw CryptoError(.invalidKey, "not a DSA key") }
        let qLength = try key.dsaSubgroupLength()
        let der: [UInt8] = try key.withContext { context throws(CryptoError) in
            guard EVP_PKEY_sign_init(context) == 1 else { throw OpenSSLRuntime.failure("DSA sign set-up") }
            return try sign(context, hash, capacity: Int(EVP_PKEY_get_size(key.pointer)))
        }
        var cursor: UnsafePointer<UInt8>? = nil
        let signature: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            cursor = buffer.baseAddress
            return d2i_DSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature else { throw OpenSSLRuntime.failure("DSA signature decoding") }
        defer { DSA_SIG_free(signature) }
        var r: OpaquePointer? = nil, s: OpaquePointer? = nil
        DSA_SIG_get0(signature, &r, &s)
        guard let r, let s else { throw OpenSSLRuntime.failure("DSA signature values") }
        var out = [UInt8](repeating: 0, count: 2 * qLength)
        let ok = out.withUnsafeMutableBufferPointer { buffer in
            BN_bn2binpad(r, buffer.baseAddress, Int32(qLength)) == Int32(qLength)
                && BN_bn2binpad(s, buffer.baseAddress.map { $0 + qLength }, Int32(qLength)) == Int32(qLength)
        }
        guard ok else { throw OpenSSLRuntime.failure("DSA signature encoding") }
        return out
    }
}

extension PublicKey {
    public func verifyDSS(signature: [UInt8], hash: [UInt8]) throws(CryptoError) {
        guard kind == .dsa else { throw CryptoError(.invalidKey, "not a DSA key") }
        let qLength = try key.dsaSubgroupLength()
        guard signature.count == 2 * qLength else {
            throw CryptoError(.signatureInvalid, "DSS signature of \(signature.count) bytes, expected \(2 * qLength)")
        }
        guard let structure = DSA_SIG_new() else { throw OpenSSLRuntime.failure("DSA_SIG_new") }
        defer { DSA_SIG_free(structure) }
        let r = BigNumber(bytes: signature[..<qLength]), s = BigNumber(bytes: signature[qLength...])
        // DSA_SIG_set0 takes ownership, so it gets copies.
        guard let rCopy = BN_dup(r.pointer), let sCopy = BN_dup(s.pointer), DSA_SIG_set0(structure, rCopy, sCopy) == 1 else {
            throw OpenSSLRuntime.failure("DSA_SIG_set0")
        }
        let der = OpenSSLRuntime.derEncoding { i2d_DSA_SIG(structure, $0) }
        guard !der.isEmpty else { throw OpenSSLRuntime.failure("DSA signature encoding") }
        let valid = try key.withContext { context throws(CryptoError) in
            guard EVP_PKEY_verify_init(context) == 1 else { throw OpenSSLRuntime.failure("DSA verify set-up") }
            return EVP_PKEY_verify(context, der, der.count, hash, hash.count) == 1
        }
        ERR_clear_error()
        guard valid else { throw CryptoError(.signatureInvalid, "DSS signature does not verify") }
    }
}

extension EVPKey {
    /// Length of the DSA subgroup order q in bytes.
    func dsaSubgroupLength() throws(CryptoError) -> Int {
        var q: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pointer, "q", &q) == 1, let q else { throw OpenSSLRuntime.failure("DSA q") }
        defer { BN_free(q) }
        return Int(ike_BN_num_bytes(q))
    }
}
