import IKECrypto
@testable import IKEEngine
import IPsecTypes
import ISAKMP

/// The peer's side of a transcript, derived the way the peer derives it: cookies, SAi_b, nonces and
/// public values from the recorded messages, g^xy from the peer's own DH key, then SKEYID*, the
/// encryption key and the IV chain (RFC 2409 §5, App. B) with IKECrypto. It can open any recorded
/// message and seal a new one that the target decrypts and whose hash verifies.
struct ShadowPeer {
    let keys: Phase1KeySchedule
    let cipher: CBCCipher
    let initiatorPublic: [UInt8]
    let responderPublic: [UInt8]
    let saBody: [UInt8]
    let initiatorCookie: Cookie
    let responderCookie: Cookie
    let transcript: Transcript

    /// Derives the keys of the transcript's Phase 1 (pre-shared key or signatures, AES-128, SHA-1 as
    /// the fuzz scenario configures).
    init(_ transcript: Transcript, method: Phase1KeySchedule.Method, group: DHGroup) throws {
        self.transcript = transcript
        let toResponder = transcript.inbox(1), toInitiator = transcript.inbox(0)
        let mm1 = try ISAKMPMessage.decode(toResponder[0].bytes), mm2 = try ISAKMPMessage.decode(toInitiator[0].bytes)
        let mm3 = try ISAKMPMessage.decode(toResponder[1].bytes), mm4 = try ISAKMPMessage.decode(toInitiator[1].bytes)
        guard let sa = mm1.first(.securityAssociation), case .keyExchange(let ke1)? = mm3.first(.keyExchange)?.content,
              case .nonce(let ni)? = mm3.first(.nonce)?.content, case .keyExchange(let ke2)? = mm4.first(.keyExchange)?.content,
              case .nonce(let nr)? = mm4.first(.nonce)?.content
        else { throw ShadowError("the transcript has no complete Main Mode") }
        let initiatorKey = try transcript.nodes[0].pool.key(group, index: 0)
        let secret = try transcript.nodes[0].pool.secret(initiatorKey, peer: ke2)
        keys = try Phase1KeySchedule(method: method, hash: .sha1, sharedSecret: secret,
                                     initiatorCookie: mm1.header.initiatorCookie.bytes, responderCookie: mm2.header.responderCookie.bytes,
                                     initiatorNonce: ni, responderNonce: nr, encryptionKeyLength: 16)
        cipher = try CBCCipher(.aesCBC, keyLength: 16)
        initiatorPublic = ke1
        responderPublic = ke2
        saBody = sa.body
        initiatorCookie = mm1.header.initiatorCookie
        responderCookie = mm2.header.responderCookie
    }

    /// The IV chain as both sides hold it after every encrypted message delivered before `index`.
    func chain(before index: Int) -> IVChain {
        var chain = IVChain(digest: keys.digest, blockSize: cipher.blockSize, initiatorPublic: initiatorPublic, responderPublic: responderPublic)
        for delivery in transcript.deliveries.prefix(index) {
            guard let message = try? ISAKMPMessage.decode(delivery.datagram.bytes), case .encrypted(let ciphertext) = message.body else { continue }
            chain.record(messageID: message.header.messageID, ciphertext: ciphertext)
        }
        return chain
    }

    /// The plaintext payloads of delivery `index`.
    func open(_ index: Int) throws -> (ISAKMPHeader, [RawPayload]) {
        let message = try ISAKMPMessage.decode(transcript.deliveries[index].datagram.bytes)
        guard case .encrypted(let ciphertext) = message.body else { throw ShadowError("delivery \(index) is not encrypted") }
        let plaintext = try cipher.decrypt(ciphertext, key: keys.encryptionKey, iv: chain(before: index).iv(forMessageID: message.header.messageID))
        return (message.header, RawChain.decode(first: message.header.nextPayload.rawValue, plaintext))
    }

    /// A datagram with `payloads` encrypted under the IV the target expects next for the header's
    /// message ID (after the deliveries before `index`).
    func seal(_ header: ISAKMPHeader, _ payloads: [RawPayload], before index: Int, padding: Int = 0) -> [UInt8] {
        var plaintext = RawChain.encode(payloads)
        let block = cipher.blockSize
        plaintext += [UInt8](repeating: 0, count: block - plaintext.count % block + padding * block)
        let iv = chain(before: index).iv(forMessageID: header.messageID)
        let ciphertext = (try? cipher.encrypt(plaintext, key: keys.encryptionKey, iv: iv)) ?? []
        var sealed = header
        sealed.flags.insert(.encryption)
        sealed.nextPayload = PayloadType(rawValue: payloads.first?.type ?? 0)
        return ISAKMPMessage(header: sealed, body: .encrypted(ciphertext)).encoded()
    }

    /// The cleartext datagram for `payloads` under `header`.
    static func clear(_ header: ISAKMPHeader, _ payloads: [RawPayload]) -> [UInt8] {
        var plain = header
        plain.flags.remove(.encryption)
        plain.nextPayload = PayloadType(rawValue: payloads.first?.type ?? 0)
        return ISAKMPMessage(header: plain, body: .encrypted(RawChain.encode(payloads))).encoded()
    }

    var phase2: Phase2Keying { Phase2Keying(keys) }

    /// HASH_I over an initiator ID payload body (RFC 2409 §5.4).
    func initiatorHash(idBody: [UInt8]) -> [UInt8] {
        keys.initiatorHash(initiatorPublic: initiatorPublic, responderPublic: responderPublic, saBody: saBody, idBody: idBody)
    }
}

struct ShadowError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
