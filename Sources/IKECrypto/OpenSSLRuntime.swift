internal import COpenSSL

/// Process-wide OpenSSL set-up, done once.
enum OpenSSLRuntime {
    /// An OpenSSL i2d_ encoding: `encode(nil)` gives the length, `encode(&cursor)` writes it (empty
    /// when the object cannot be encoded).
    static func derEncoding(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> [UInt8] {
        let length = encode(nil)
        guard length > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: Int(length))
        out.withUnsafeMutableBufferPointer { buffer in
            var cursor = buffer.baseAddress
            _ = encode(&cursor)
        }
        return out
    }

    /// Loads the providers IKE needs. OpenSSL 3 moved DES and Blowfish to the "legacy" provider, which is
    /// not loaded by default; loading any provider explicitly turns off the implicit "default" one, so both
    /// are loaded. A missing legacy provider is not fatal: only DES and Blowfish then report unsupported.
    static let providers: (legacy: Bool, standard: Bool) = {
        let standard = OSSL_PROVIDER_load(nil, "default") != nil
        let legacy = OSSL_PROVIDER_load(nil, "legacy") != nil
        ERR_clear_error()
        return (legacy, standard)
    }()

    /// Whether the legacy provider (DES, Blowfish) is available.
    static var hasLegacyProvider: Bool { providers.legacy }

    /// The newest OpenSSL error as text, clearing the queue.
    static func lastError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no OpenSSL error recorded" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func failure(_ what: String, _ code: CryptoError.Code = .library) -> CryptoError {
        CryptoError(code, "\(what): \(lastError())")
    }
}
