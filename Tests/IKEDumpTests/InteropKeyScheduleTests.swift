@testable import IKEDump
import IKECrypto
import IKETestSupport
import IPsecTypes
import ISAKMP
import Testing

/// The RFC 2409 key schedule checked end to end against real strongSwan and Libreswan exchanges:
/// SKEYID* and Ka against what strongSwan logged, and HASH_I/HASH_R, RSA signatures, Quick Mode
/// HASH(1..3) and KEYMAT against the values inside the decrypted messages both peers accepted.
@Suite("Key schedule against real exchanges")
struct InteropKeyScheduleTests {
    /// What one side contributed to Phase 1.
    struct Side {
        var sa: Payload?
        var ke: [UInt8] = []
        var nonce: [UInt8] = []
        var id: Payload?
        var hash: [UInt8]?
        var signature: [UInt8]?
        var certificate: [UInt8]?
    }

    struct Phase1 {
        var initiator = Side()
        var responder = Side()
        var chosen: TransformPayload?
        var keys: Phase1KeySchedule
        var logged: [String: String]
        var messages: [Fixture.Message]
    }

    static func phase1(_ fixture: Fixture) throws -> Phase1 {
        let logged = try fixture.loggedKeys()
        let cookie = try #require(logged["initiatorCookie"])
        let messages = try fixture.messages().filter { $0.message.header.initiatorCookie.description == cookie }
        let initiatorEndpoint = try #require(messages.first?.datagram.source)
        var initiator = Side(), responder = Side()
        var chosen: TransformPayload?
        for message in messages where message.message.header.messageID == 0 {
            let fromInitiator = message.datagram.source == initiatorEndpoint
            for payload in message.payloads {
                func update(_ side: inout Side) {
                    switch payload.content {
                    case .securityAssociation(let sa):
                        if side.sa == nil { side.sa = payload }
                        if !fromInitiator { chosen = sa.proposals.first?.transforms.first }
                    case .keyExchange(let value): side.ke = value
                    case .nonce(let value): side.nonce = value
                    case .identification: side.id = payload
                    case .hash(let value): side.hash = value
                    case .signature(let value): side.signature = value
                    case .certificate(let certificate): side.certificate = certificate.data
                    default: break
                    }
                }
                if fromInitiator { update(&initiator) } else { update(&responder) }
            }
        }
        let transform = try #require(chosen)
        let hash = HashAlgorithm(rawValue: UInt16(try #require(transform.attribute(2)?.integerValue)))
        let method = AuthenticationMethod(rawValue: UInt16(try #require(transform.attribute(3)?.integerValue)))
        let keys = try Phase1KeySchedule(
            method: method == .preSharedKey ? .preSharedKey(SecretBytes(Fixture.preSharedKey)) : .signature,
            hash: hash, sharedSecret: SecretBytes(hex(try #require(logged["gxy"]))),
            initiatorCookie: hex(cookie), responderCookie: hex(try #require(logged["responderCookie"])),
            initiatorNonce: initiator.nonce, responderNonce: responder.nonce,
            encryptionKeyLength: hex(try #require(logged["encryptionKey"])).count)
        return Phase1(initiator: initiator, responder: responder, chosen: transform, keys: keys, logged: logged, messages: messages)
    }

    @Test("SKEYID, SKEYID_d/a/e, Ka and the Phase 1 IV equal strongSwan's", arguments: Fixture.all)
    func skeyids(_ fixture: Fixture) throws {
        let phase1 = try Self.phase1(fixture)
        let logged = phase1.logged
        #expect(phase1.keys.skeyid.revealed().hex == logged["skeyid"])
        #expect(phase1.keys.skeyidD.revealed().hex == logged["skeyidD"])
        #expect(phase1.keys.skeyidA.revealed().hex == logged["skeyidA"])
        #expect(phase1.keys.skeyidE.revealed().hex == logged["skeyidE"])
        #expect(phase1.keys.encryptionKey.revealed().hex == logged["encryptionKey"])
        if let initialIV = logged["initialIV"] {
            let chain = IVChain(digest: phase1.keys.digest, blockSize: initialIV.count / 2, initiatorPublic: phase1.initiator.ke, responderPublic: phase1.responder.ke)
            #expect(chain.phase1IV.hex == initialIV)
        }
    }

    @Test("HASH_I and HASH_R (or the RSA signatures over them) match the exchanged messages", arguments: Fixture.all)
    func authenticationHashes(_ fixture: Fixture) throws {
        let phase1 = try Self.phase1(fixture)
        let saBody = try #require(phase1.initiator.sa?.body)
        let hashI = phase1.keys.initiatorHash(initiatorPublic: phase1.initiator.ke, responderPublic: phase1.responder.ke, saBody: saBody, idBody: try #require(phase1.initiator.id?.body))
        let hashR = phase1.keys.responderHash(initiatorPublic: phase1.initiator.ke, responderPublic: phase1.responder.ke, saBody: saBody, idBody: try #require(phase1.responder.id?.body))
        if let logged = phase1.logged["hashI"] { #expect(hashI.hex == logged) }
        if let logged = phase1.logged["hashR"] { #expect(hashR.hex == logged) }
        if phase1.initiator.signature == nil {
            #expect(phase1.initiator.hash == hashI)
            #expect(phase1.responder.hash == hashR)
        } else {
            // RSA signatures (RFC 2409 §5.1): raw PKCS#1 over HASH_I/HASH_R, verified strictly.
            let initiatorKey = try PublicKey(certificateDER: try #require(phase1.initiator.certificate))
            let responderKey = try PublicKey(certificateDER: try #require(phase1.responder.certificate))
            try initiatorKey.verifyPKCS1(signature: try #require(phase1.initiator.signature), hash: hashI)
            try responderKey.verifyPKCS1(signature: try #require(phase1.responder.signature), hash: hashR)
            #expect(throws: CryptoError.self) { try initiatorKey.verifyPKCS1(signature: phase1.initiator.signature ?? [], hash: hashR) }
        }
    }

    @Test("Quick Mode HASH(1), HASH(2), HASH(3) and KEYMAT match", arguments: Fixture.all.filter { $0.name != "ss-ls-psk-aggr" })
    func quickMode(_ fixture: Fixture) throws {
        let phase1 = try Self.phase1(fixture)
        let quickMode = phase1.messages.filter { $0.message.header.exchangeType == .quickMode }
        let first = try #require(quickMode.first)
        let exchange = quickMode.filter { $0.message.header.messageID == first.message.header.messageID }
        try #require(exchange.count >= 3)
        let (qm1, qm2, qm3) = (exchange[0], exchange[1], exchange[2])
        let messageID = qm1.message.header.messageID
        let phase2 = Phase2Keying(phase1.keys)
        func hashAndRest(_ message: Fixture.Message) throws -> (hash: [UInt8], rest: [UInt8]) {
            guard case .hash(let hash) = try #require(message.payloads.first).content else { throw CaptureError("no HASH first") }
            return (hash, PayloadChain.encode(Array(message.payloads.dropFirst())))
        }
        guard case .nonce(let ni)? = qm1.payloads.first(.nonce)?.content, case .nonce(let nr)? = qm2.payloads.first(.nonce)?.content else {
            Issue.record("nonces missing")
            return
        }
        let (hash1, rest1) = try hashAndRest(qm1)
        let (hash2, rest2) = try hashAndRest(qm2)
        let (hash3, _) = try hashAndRest(qm3)
        #expect(phase2.hash1(messageID: messageID, rest: rest1) == hash1)
        #expect(phase2.hash2(messageID: messageID, initiatorNonce: ni, rest: rest2) == hash2)
        #expect(phase2.hash3(messageID: messageID, initiatorNonce: ni, responderNonce: nr) == hash3)

        guard let encryptionKey = phase1.logged["quickModeEncryptionInitiatorKey"], let integrityKey = phase1.logged["quickModeIntegrityInitiatorKey"] else {
            return // strongSwan was the responder here and logged no child keys.
        }
        guard case .securityAssociation(let saI)? = qm1.payloads.first(.securityAssociation)?.content,
              case .securityAssociation(let saR)? = qm2.payloads.first(.securityAssociation)?.content
        else { throw CaptureError("SA missing") }
        let pfs = phase1.logged["quickModeGxy"].map { SecretBytes(hex($0)) }
        let length = (encryptionKey.count + integrityKey.count) / 2
        let spiI = try #require(saI.proposals.first?.spi), spiR = try #require(saR.proposals.first?.spi)
        // The initiator's outbound SA is the responder's inbound one: KEYMAT with the responder's SPI.
        let outbound = phase2.keymat(length: length, protocolID: 3, spi: spiR, initiatorNonce: ni, responderNonce: nr, pfsSharedSecret: pfs).revealed().hex
        let inbound = phase2.keymat(length: length, protocolID: 3, spi: spiI, initiatorNonce: ni, responderNonce: nr, pfsSharedSecret: pfs).revealed().hex
        #expect(outbound == encryptionKey + integrityKey)
        #expect(inbound == (phase1.logged["quickModeEncryptionResponderKey"] ?? "") + (phase1.logged["quickModeIntegrityResponderKey"] ?? ""))
        #expect((pfs == nil) == (fixture.name == "ss-ls-psk-nopfs-sll"))
    }
}
