import IKECrypto
import IPsecTypes
import ISAKMP

/// Encrypts and decrypts the messages of one ISAKMP SA: CBC with Ka and the IV chain (RFC 2409 §5,
/// App. B), padding to the block size with zeros.
struct MessageProtection {
    let cipher: CBCCipher
    let key: SecretBytes
    var ivs: IVChain

    /// The datagram for `payloads` under `header`, encrypted; the IV chain moves on.
    mutating func seal(_ header: ISAKMPHeader, _ payloads: [Payload]) -> [UInt8] {
        var plaintext = PayloadChain.encode(payloads)
        let block = cipher.blockSize
        plaintext += [UInt8](repeating: 0, count: block - plaintext.count % block)
        let iv = ivs.iv(forMessageID: header.messageID)
        // The key and IV come from our own schedule and have the right lengths; failure would be our bug.
        guard let ciphertext = try? cipher.encrypt(plaintext, key: key, iv: iv) else {
            preconditionFailure("encryption with our own key and IV failed")
        }
        ivs.record(messageID: header.messageID, ciphertext: ciphertext)
        var sealedHeader = header
        sealedHeader.flags.insert(.encryption)
        sealedHeader.nextPayload = payloads.first?.type ?? .none
        return ISAKMPMessage(header: sealedHeader, body: .encrypted(ciphertext)).encoded()
    }

    /// Decrypts a message without moving the chain; `accept` moves it once the message verified.
    func open(_ message: ISAKMPMessage) throws(ISAKMPError) -> [Payload] {
        guard case .encrypted(let ciphertext) = message.body else {
            throw ISAKMPError(.invalidFlags, "message should be encrypted")
        }
        let iv = ivs.iv(forMessageID: message.header.messageID)
        guard let plaintext = try? cipher.decrypt(ciphertext, key: key, iv: iv) else {
            throw ISAKMPError(.payloadMalformed, "ciphertext of \(ciphertext.count) bytes is not whole blocks")
        }
        return try PayloadChain.decode(first: message.header.nextPayload, bytes: plaintext, trailer: .cipherPadding).payloads
    }

    mutating func accept(_ message: ISAKMPMessage) {
        if case .encrypted(let ciphertext) = message.body { ivs.record(messageID: message.header.messageID, ciphertext: ciphertext) }
    }
}
