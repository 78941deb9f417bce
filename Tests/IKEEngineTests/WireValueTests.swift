import IKEConfig
@testable import IKEEngine
import IPsecTypes
import ISAKMP
import Testing

/// Wire values of every width reach the engine only through checked conversions: no attribute value,
/// however long, traps; a protocol that contradicts its transform is BAD-PROPOSAL-SYNTAX.
@Suite("Checked conversions of wire values")
struct WireValueTests {
    static let ones = [UInt8](repeating: 0xFF, count: 8)

    @Test("Phase 1 and Phase 2 attributes of up to eight bytes of ones are refused, not trapped on",
          arguments: [[0xFF], [0xFF, 0xFF], [0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF], ones, ones + [0xFF]])
    func oversizedAttributes(_ value: [UInt8]) {
        for type: UInt16 in [1, 2, 3, 4, 11, 12, 14] {
            let transform = TransformPayload(number: 1, transformID: 1, attributes: [
                .basic(1, 7), .basic(2, 2), .basic(3, 1), .basic(4, 2), .variable(type, value),
            ])
            let parsed = Phase1Proposal.parse(transform, ourLifetime: 3600)
            if type == 12 { #expect(parsed == nil || parsed?.lifetimeSeconds ?? 0 > 0) } else { #expect(parsed == nil, "Phase 1 attribute \(type)") }
        }
        for type: UInt16 in [1, 2, 3, 4, 5, 6] {
            let transform = TransformPayload(number: 1, transformID: 12, attributes: [.basic(5, 2), .variable(type, value)])
            _ = Phase2Proposal.parse(transform, protocolID: .esp)
            #expect(Phase2Proposal.parse(TransformPayload(number: 1, transformID: 12, attributes: [.variable(6, value)]), protocolID: .esp) == nil)
        }
    }

    @Test("an enumerated value above 16 bits is not truncated into a valid one")
    func noTruncation() {
        // 0x10007 truncated to 16 bits would be 7, Blowfish.
        let transform = TransformPayload(number: 1, transformID: 1, attributes: [
            .variable(1, [0x01, 0x00, 0x07]), .basic(2, 2), .basic(3, 1), .basic(4, 2),
        ])
        #expect(Phase1Proposal.parse(transform, ourLifetime: 3600) == nil)
    }

    @Test("the codec: transform IDs must belong to the proposal's protocol; unknown protocols are INVALID-PROTOCOL-ID")
    func codecProtocolTable() throws {
        func sa(protocolID: UInt8, transformID: UInt8) -> [UInt8] {
            let transform: [UInt8] = [0, 0, 0, 8, 1, transformID, 0, 0]
            let proposal: [UInt8] = [0, 0, 0, 16, 1, protocolID, 0, 1] + transform
            return [0, 0, 0, 1, 0, 0, 0, 1] + proposal
        }
        func decode(_ body: [UInt8]) -> NotifyMessageType? {
            let header = ISAKMPHeader(initiatorCookie: Cookie(value: 1), responderCookie: .zero, nextPayload: .securityAssociation, exchangeType: .identityProtection)
            let bytes = ISAKMPMessage(header: header, body: .encrypted([0, 0, UInt8((body.count + 4) >> 8), UInt8((body.count + 4) & 0xFF)] + body)).encoded()
            do { _ = try ISAKMPMessage.decode(bytes); return nil } catch { return error.notify }
        }
        #expect(decode(sa(protocolID: 1, transformID: 1)) == nil)
        #expect(decode(sa(protocolID: 1, transformID: 12)) == .badProposalSyntax, "an ESP cipher under PROTO_ISAKMP")
        #expect(decode(sa(protocolID: 2, transformID: 1)) == .badProposalSyntax, "AH transform 1 is reserved")
        #expect(decode(sa(protocolID: 3, transformID: 0)) == .badProposalSyntax, "ESP transform 0 is reserved")
        #expect(decode(sa(protocolID: 3, transformID: 12)) == nil)
        #expect(decode(sa(protocolID: 0, transformID: 1)) == .invalidProtocolID)
        #expect(decode(sa(protocolID: 9, transformID: 1)) == .invalidProtocolID)
    }
}

/// Counts the wire holds in one byte stay within it, however large the configuration.
@Suite("Offers fit their one-byte counts")
struct OfferSizeTests {
    @Test("300 configured Phase 1 transforms are offered as the first 255, and the SA payload encodes")
    func phase1Transforms() throws {
        let transforms = (0..<300).map { index in
            Phase1Transform(authenticationMethod: .preSharedKey, group: DHGroup(rawValue: 14), encryption: index % 2 == 0 ? .tripleDESCBC : .desCBC, hash: .sha1)
        }
        let offer = Phase1Proposal.payload(for: transforms, defaultLifetime: 3600)
        #expect(offer.proposals[0].transforms.count == 255)
        let bytes = ISAKMPMessage(header: ISAKMPHeader(initiatorCookie: Cookie(value: 1), exchangeType: .identityProtection),
                                  body: .payloads([Payload(.securityAssociation(offer))])).encoded()
        let decoded = try ISAKMPMessage.decode(bytes)
        guard case .securityAssociation(let again)? = decoded.first(.securityAssociation)?.content else { Issue.record("no SA"); return }
        #expect(again.proposals[0].transforms.count == 255)
    }
}
