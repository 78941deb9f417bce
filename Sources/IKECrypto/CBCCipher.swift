internal import COpenSSL
import IPsecTypes

/// A block cipher in CBC mode without padding (IKE pads its own messages, RFC 2409 §5.3).
public struct CBCCipher: Sendable {
    public let algorithm: EncryptionAlgorithm
    /// Key length in bytes.
    public let keyLength: Int
    public let blockSize: Int
    private let cipher: FetchedAlgorithm

    private static let fetched: [String: FetchedAlgorithm] = {
        _ = OpenSSLRuntime.providers
        var table: [String: FetchedAlgorithm] = [:]
        for name in ["DES-CBC", "DES-EDE3-CBC", "BF-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC"] {
            if let cipher = EVP_CIPHER_fetch(nil, name, nil) { table[name] = FetchedAlgorithm(cipher) }
        }
        ERR_clear_error()
        return table
    }()

    /// - Parameter keyLength: key length in bytes; nil takes the algorithm's fixed or default length.
    public init(_ algorithm: EncryptionAlgorithm, keyLength: Int? = nil) throws(CryptoError) {
        let length = keyLength ?? algorithm.fixedKeyLength ?? algorithm.defaultKeyBits.map { $0 / 8 }
        guard let length else {
            throw CryptoError(.invalidLength, "\(algorithm) needs a key length")
        }
        let name: String
        switch algorithm {
        case .desCBC where length == 8: name = "DES-CBC"
        case .tripleDESCBC where length == 24: name = "DES-EDE3-CBC"
        case .blowfishCBC where (5...56).contains(length): name = "BF-CBC"
        case .aesCBC where [16, 24, 32].contains(length): name = "AES-\(length * 8)-CBC"
        case .desCBC, .tripleDESCBC, .blowfishCBC, .aesCBC:
            throw CryptoError(.invalidLength, "\(algorithm) with a \(length)-byte key")
        default:
            throw CryptoError(.unsupportedAlgorithm, "cipher \(algorithm) is not implemented")
        }
        guard let cipher = Self.fetched[name] else {
            throw CryptoError(.unsupportedAlgorithm, "\(name) is not available (OpenSSL legacy provider missing?)")
        }
        self.algorithm = algorithm
        self.keyLength = length
        self.cipher = cipher
        self.blockSize = Int(EVP_CIPHER_get_block_size(cipher.pointer))
    }

    public func encrypt(_ plaintext: [UInt8], key: SecretBytes, iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        try run(plaintext, key: key, iv: iv, encrypt: true)
    }

    public func decrypt(_ ciphertext: [UInt8], key: SecretBytes, iv: [UInt8]) throws(CryptoError) -> [UInt8] {
        try run(ciphertext, key: key, iv: iv, encrypt: false)
    }

    private func run(_ input: [UInt8], key: SecretBytes, iv: [UInt8], encrypt: Bool) throws(CryptoError) -> [UInt8] {
        guard key.count == keyLength else {
            throw CryptoError(.invalidLength, "\(algorithm) key of \(key.count) bytes, expected \(keyLength)")
        }
        guard iv.count == blockSize else {
            throw CryptoError(.invalidLength, "IV of \(iv.count) bytes, block size is \(blockSize)")
        }
        guard input.count % blockSize == 0 else {
            throw CryptoError(.invalidLength, "\(input.count) bytes is not a multiple of the \(blockSize)-byte block")
        }
        guard !input.isEmpty else { return [] }
        guard let context = EVP_CIPHER_CTX_new() else { throw OpenSSLRuntime.failure("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        let direction: Int32 = encrypt ? 1 : 0
        // Blowfish takes a variable key: the length is set between choosing the cipher and keying it.
        guard EVP_CipherInit_ex2(context, cipher.pointer, nil, nil, direction, nil) == 1,
              EVP_CIPHER_CTX_set_key_length(context, Int32(keyLength)) == 1,
              key.withUnsafeBytes({ keyBytes in
                  iv.withUnsafeBytes { ivBytes in
                      EVP_CipherInit_ex2(
                          context, nil, keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self),
                          ivBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), direction, nil) == 1
                  }
              }),
              EVP_CIPHER_CTX_set_padding(context, 0) == 1
        else { throw OpenSSLRuntime.failure("\(algorithm) set-up") }
        var output = [UInt8](repeating: 0, count: input.count + blockSize)
        var written: Int32 = 0
        var finalWritten: Int32 = 0
        let ok = output.withUnsafeMutableBufferPointer { out in
            EVP_CipherUpdate(context, out.baseAddress, &written, input, Int32(input.count)) == 1
                && EVP_CipherFinal_ex(context, out.baseAddress.map { $0 + Int(written) }, &finalWritten) == 1
        }
        guard ok else { throw OpenSSLRuntime.failure("\(algorithm) \(encrypt ? "encryption" : "decryption")") }
        output.removeLast(output.count - Int(written + finalWritten))
        return output
    }
}
