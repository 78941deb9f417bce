import IKECrypto
import IPsecTypes
import ISAKMP

/// The outcome of trying to decrypt one encrypted message.
public enum DecryptionOutcome: Sendable {
    case decrypted(PayloadChain.Decoded)
    /// No key, or the exchange's cleartext part (SA, KE) was not seen, so no IV can be computed.
    case unavailable(String)
    /// Decryption ran but the plaintext did not decode.
    case failed(String)
}

/// Follows ISAKMP SAs through a capture to decrypt their messages.
///
/// Per initiator cookie it learns who the initiator is, the negotiated hash (from the responder's
/// chosen transform) and cipher, and both KE values; with a key table entry that gives the Phase 1 IV
/// (RFC 2409 App. B). Each message accepted moves the chain of its message ID; a retransmission
/// (identical ciphertext) is answered from a cache so it does not break the chain.
public struct DecryptionTracker {
    private struct SAState {
        var initiator: Endpoint?
        var hash: HashAlgorithm?
        var cipher: EncryptionAlgorithm?
        var cipherKeyBits: Int?
        var initiatorKE: [UInt8]?
        var responderKE: [UInt8]?
        var chain: IVChain?
        var seen: [[UInt8]: PayloadChain.Decoded] = [:]
    }

    private var states: [Cookie: SAState] = [:]
    public let keys: KeyTable

    public init(keys: KeyTable) { self.keys = keys }

    /// Learns from a cleartext message (SA choice, KE values, who initiated).
    public mutating func observe(_ message: ISAKMPMessage, from source: Endpoint) {
        learn(message.header, message.payloads, from: source)
    }

    private mutating func learn(_ header: ISAKMPHeader, _ payloads: [Payload], from source: Endpoint) {
        var state = states[header.initiatorCookie] ?? SAState()
        if state.initiator == nil, header.responderCookie.isZero { state.initiator = source }
        let fromInitiator = state.initiator.map { $0 == source } ?? header.responderCookie.isZero
        for payload in payloads {
            switch payload.content {
            case .securityAssociation(let sa):
                guard let transform = sa.proposals.first?.transforms.first, sa.proposals.first?.protocolID == .isakmp else { break }
                // The responder's SA holds the one chosen transform; the initiator's first transform is
                // only a fallback for captures that miss the reply.
                if !fromInitiator || state.hash == nil {
                    if let value = transform.attribute(Phase1AttributeType.hashAlgorithm.rawValue)?.integerValue {
                        state.hash = HashAlgorithm(rawValue: UInt16(truncatingIfNeeded: value))
                    }
                    if let value = transform.attribute(Phase1AttributeType.encryptionAlgorithm.rawValue)?.integerValue {
                        state.cipher = EncryptionAlgorithm(rawValue: UInt16(truncatingIfNeeded: value))
                    }
                    state.cipherKeyBits = transform.attribute(Phase1AttributeType.keyLength.rawValue)?.integerValue.map { Int($0) }
                }
            case .keyExchange(let value) where header.messageID == 0:
                if fromInitiator { state.initiatorKE = value } else { state.responderKE = value }
            default:
                break
            }
        }
        states[header.initiatorCookie] = state
    }

    /// Decrypts an encrypted message, updating the IV chain when it decodes.
    public mutating func decrypt(_ message: ISAKMPMessage, from source: Endpoint) -> DecryptionOutcome {
        guard case .encrypted(let ciphertext) = message.body else { return .unavailable("not encrypted") }
        let header = message.header
        guard var state = states[header.initiatorCookie] else { return .unavailable("the SA's first messages are not in the capture") }
        if let cached = state.seen[ciphertext] { return .decrypted(cached) }
        guard let entry = keys.entry(initiator: header.initiatorCookie, responder: header.responderCookie) else {
            return .unavailable("no key for cookies \(header.initiatorCookie) \(header.responderCookie)")
        }
        guard let algorithm = entry.algorithm ?? state.cipher else { return .unavailable("encryption algorithm unknown") }
        let cipher: CBCCipher
        do {
            cipher = try CBCCipher(algorithm, keyLength: entry.key.count)
        } catch {
            return .unavailable("\(error)")
        }
        if state.chain == nil {
            guard let hash = state.hash, let initiatorKE = state.initiatorKE, let responderKE = state.responderKE else {
                return .unavailable("the SA's hash or KE payloads are not in the capture")
            }
            guard let digest = try? Digest(hash) else { return .unavailable("hash \(hash) not implemented") }
            state.chain = IVChain(digest: digest, blockSize: cipher.blockSize, initiatorPublic: initiatorKE, responderPublic: responderKE)
        }
        guard var chain = state.chain else { return .unavailable("no IV") }
        let iv = chain.iv(forMessageID: header.messageID)
        let plaintext: [UInt8]
        do {
            plaintext = try cipher.decrypt(ciphertext, key: SecretBytes(entry.key), iv: iv)
        } catch {
            return .failed("\(error)")
        }
        do {
            let decoded = try PayloadChain.decode(first: header.nextPayload, bytes: plaintext, trailer: .cipherPadding)
            chain.record(messageID: header.messageID, ciphertext: ciphertext)
            state.chain = chain
            state.seen[ciphertext] = decoded
            states[header.initiatorCookie] = state
            // Aggressive Mode and late KE payloads can arrive encrypted too.
            learn(header, decoded.payloads, from: source)
            return .decrypted(decoded)
        } catch {
            states[header.initiatorCookie] = state
            return .failed("decrypted payloads do not decode (wrong key or IV?): \(error)")
        }
    }
}
