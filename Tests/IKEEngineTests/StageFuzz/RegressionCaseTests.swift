@testable import IKEEngine
import IPsecTypes
import ISAKMP
import Testing

/// The two inputs that once stopped in.iked, kept as cases of their own, sealed and hashed as the
/// stage fuzzer does so they reach the same code a peer's message reaches.
@Suite("Regression cases from the stage fuzzer's ground")
struct RegressionCaseTests {
    @Test("MM2 with an ESP proposal whose KEY_IKE transform carries an 8-byte Key Length: the initiator fails the exchange as malformed")
    func espProposalInMainMode2() throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let transform = TransformPayload(number: 1, transformID: 1, attributes: [
            .basic(1, 7), .basic(2, 2), .basic(3, 1), .basic(4, 19), .variable(14, [UInt8](repeating: 0xFF, count: 8)),
        ])
        let sa = SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .esp, transforms: [transform])])
        let bytes = try fuzzer.build(.mainMode2, seed: 0) { payloads in
            payloads.map { $0.type == PayloadType.securityAssociation.rawValue ? RawPayload(type: $0.type, body: Payload(.securityAssociation(sa)).body) : $0 }
        }
        let node = fuzzer.transcript.replay(0, upTo: 0)
        node.handle(.datagram(Datagram(bytes: bytes, local: fuzzer.transcript.inbox(0)[0].local, remote: fuzzer.transcript.inbox(0)[0].remote)), at: Transcript.time(10))
        #expect(node.engine.statistics.phase1FailureReasons[.malformed] == 1)
        #expect(node.engine.statistics.malformedDropped == 1)
        #expect(node.engine.phase1Summaries.isEmpty)
    }

    @Test("QM1 with IDci 2001:db8::/0 (an all-zero mask): the responder refuses it with a notify")
    func ipv6ZeroPrefixInQuickMode1() throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let everything = IPAddress("2001:db8::")!.bytes + [UInt8](repeating: 0, count: 16)
        let id = Payload(.identification(IdentificationPayload(idType: .ipv6Subnet, data: everything))).body
        let bytes = try fuzzer.build(.quickMode1, seed: 0) { payloads in
            payloads.map { $0.type == PayloadType.identification.rawValue ? RawPayload(type: $0.type, body: id) : $0 }
        }
        let outcome = fuzzer.inject(bytes, at: .quickMode1)
        let sent = outcome.effects.filter { if case .send = $0 { true } else { false } }
        #expect(sent.count == 1, "an INVALID-ID-INFORMATION notify")
        #expect(!outcome.effects.contains { if case .installSAs = $0 { true } else { false } })
    }
}

/// A peer's protected refusal of our Quick Mode ends it at once, whatever the peer puts in the
/// notify's SPI field (strongSwan and Libreswan differ): no retransmissions to the retry limit.
@Suite("Quick Mode refused by the peer")
struct QuickModeRefusalTests {
    enum SPIForm: String, CaseIterable, Sendable { case none, cookies, proposalSPI, unrelated }

    @Test("a protected NO-PROPOSAL-CHOSEN or INVALID-ID-INFORMATION ends the exchange and is counted", arguments: SPIForm.allCases, [NotifyMessageType.noProposalChosen, .invalidIDInformation])
    func refusalEndsExchange(_ form: SPIForm, _ type: NotifyMessageType) throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let index = fuzzer.deliveryIndex(node: 0, 3)
        let node = fuzzer.transcript.replay(0, upTo: 3)
        let (_, qm1) = try fuzzer.shadow.open(fuzzer.deliveryIndex(node: 1, 3))
        let proposalSPI = try #require(qm1.first { $0.type == PayloadType.securityAssociation.rawValue }).body.dropFirst(8 + 8).prefix(4)
        let spi: [UInt8] = switch form {
        case .none: []
        case .cookies: fuzzer.shadow.initiatorCookie.bytes + fuzzer.shadow.responderCookie.bytes
        case .proposalSPI: Array(proposalSPI)
        case .unrelated: [9, 9, 9, 9]
        }
        let notify = RawPayload(type: PayloadType.notification.rawValue, body: Payload(.notification(NotificationPayload(protocolID: form == .cookies ? .isakmp : .esp, type: type, spi: spi))).body)
        let header = ISAKMPHeader(initiatorCookie: fuzzer.shadow.initiatorCookie, responderCookie: fuzzer.shadow.responderCookie, exchangeType: .informational, messageID: 0x1234_5678)
        let hash = fuzzer.shadow.phase2.hash1(messageID: header.messageID, rest: RawChain.encode([notify]))
        let bytes = fuzzer.shadow.seal(header, [RawPayload(type: PayloadType.hash.rawValue, body: hash), notify], before: index)
        let template = fuzzer.transcript.inbox(0)[3]
        let now = Transcript.time(20)
        node.handle(.datagram(Datagram(bytes: bytes, local: template.local, remote: template.remote)), at: now)
        #expect(node.engine.statistics.quickModeRefused == 1)
        #expect(node.engine.statistics.quickModeFailed == 1)
        node.effects = []
        for second in 1...60 { node.handle(.tick, at: now.adding(seconds: Double(second))) }
        // (DPD's R-U-THERE may go out in this minute of quiet: only Quick Mode must stay silent.)
        let quickModes = node.effects.filter { effect in
            guard case .send(let datagram) = effect, let header = try? ISAKMPMessage.decode(datagram.bytes).header else { return false }
            return header.exchangeType == .quickMode
        }
        #expect(quickModes.isEmpty, "the refused Quick Mode is not retransmitted")
    }
}

/// A peer's unusable key exchange value is the peer's error, counted as such.
@Suite("Invalid key exchange from the peer")
struct InvalidKeyExchangeTests {
    @Test("an MM3 whose KE is not a point of the group fails as 'invalid key exchange value' with INVALID-KEY-INFORMATION")
    func invalidKE() throws {
        let fuzzer = try StageFuzzTests.fuzzer()
        let bytes = try fuzzer.build(.mainMode3, seed: 0) { payloads in
            // 64 bytes of 0xFF: the length of a P-256 value, but not a point on the curve.
            payloads.map { $0.type == PayloadType.keyExchange.rawValue ? RawPayload(type: $0.type, body: [UInt8](repeating: 0xFF, count: 64)) : $0 }
        }
        let outcome = fuzzer.inject(bytes, at: .mainMode3)
        let node = fuzzer.transcript.nodes[1]
        #expect(node.engine.statistics.phase1FailureReasons[.invalidKeyExchange] == 1, "\(node.engine.statistics.phase1FailureReasons)")
        #expect(node.engine.statistics.phase1FailureReasons[.localError] == nil)
        #expect(outcome.effects.contains { if case .send = $0 { true } else { false } }, "INVALID-KEY-INFORMATION goes back")
    }
}
