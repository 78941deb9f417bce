import IKECrypto
import IPsecTypes
import ISAKMP

extension QuickModeInitiator {
    /// QM1 is out: what we offered, our nonce and PFS key, the client identities.
    struct SentProposal {
        let offer: Offer
        let key: DHPrivateKey?
        let initiatorNonce: [UInt8]
        let identities: [Payload]

        /// QM2: HASH(2), then one of our proposals with one of its transforms, Nr [, KE], the
        /// identities echoed.
        func received(_ message: ISAKMPMessage, _ payloads: [Payload], hash: [UInt8], _ context: QuickModeContext) -> (State, [QuickModeAction]) {
            let rest = PayloadChain.encode(Array(payloads.dropFirst()))
            guard constantTimeEquals(hash, context.hashes.hash2(messageID: context.messageID, initiatorNonce: initiatorNonce, rest: rest)) else {
                return (.sentProposal(self), [.dropped(.hash)])
            }
            // Verified: QM3 is sealed after QM2 in the IV chain.
            context.keying.accept(message)
            let commit = message.header.flags.contains(.commit)
            guard case .securityAssociation(let answer)? = payloads.first(where: { $0.type == .securityAssociation })?.content,
                  answer.proposals.count == 1, let proposal = answer.proposals.first, proposal.transforms.count == 1,
                  let transform = proposal.transforms.first, let peerSPI = proposal.spi.spiValue,
                  case .nonce(let nonce)? = payloads.first(where: { $0.type == .nonce })?.content,
                  var negotiated = Phase2Proposal.parse(transform, protocolID: proposal.protocolID),
                  let offered = offer.sa.proposals.first(where: { $0.number == proposal.number && $0.protocolID == proposal.protocolID }),
                  offered.transforms.contains(where: { Self.sameTransform($0, transform, protocolID: proposal.protocolID) })
            else {
                return (.failed, [.verified, .failed("the responder's answer is not one of our proposals", notify: nil, spi: [])])
            }
            // Echoed identities must be ours (RFC 2409 §5.5).
            let echoed = payloads.filter { $0.type == .identification }
            guard echoed.isEmpty || echoed.map(\.body) == identities.map(\.body) || (offer.acceptsRewrittenIdentities && echoed.count == identities.count) else {
                return (.failed, [.verified, .failed("the responder changed the client identities", notify: nil, spi: [])])
            }
            for payload in payloads {
                if case .notification(let notify) = payload.content, notify.type == .responderLifetime, let attributes = try? DataAttribute.decodeList(notify.data) {
                    Self.applyResponderLifetime(attributes, to: &negotiated)
                }
            }
            // The responder's NAT-OA for itself is the second (NAT-OAr); a draft peer sends only its own.
            let originals = NATTraversal.originalAddresses(in: payloads)
            let result = QuickModeResult(negotiated: negotiated, peerSPI: peerSPI, initiatorNonce: initiatorNonce, responderNonce: nonce,
                                         peerOriginalAddress: originals.count >= 2 ? originals[1] : originals.first)
            let agreed = Agreed(sent: self, result: result, commit: commit)
            let keyExchange: [UInt8]? = payloads.first(where: { $0.type == .keyExchange }).flatMap { if case .keyExchange(let value) = $0.content { value } else { nil } }
            guard let key else {
                let step = agreed.finish(pfsSecret: nil, context)
                return (step.0, [.verified] + step.1)
            }
            guard let keyExchange else {
                return (.failed, [.verified, .failed("PFS was offered but the responder sent no KE", notify: nil, spi: [])])
            }
            return (.computing(agreed), [.verified, .compute(.agree(key, peerPublicValue: keyExchange))])
        }

        /// Whether the responder's transform is one we offered: lifetimes are the responder's to
        /// shorten, everything else must be as offered.
        static func sameTransform(_ ours: TransformPayload, _ theirs: TransformPayload, protocolID: SecurityProtocol) -> Bool {
            guard ours.transformID == theirs.transformID, var a = Phase2Proposal.parse(ours, protocolID: protocolID),
                  var b = Phase2Proposal.parse(theirs, protocolID: protocolID)
            else { return false }
            a.lifetimeSeconds = 0; a.lifetimeKilobytes = 0; b.lifetimeSeconds = 0; b.lifetimeKilobytes = 0
            return a == b
        }

        /// The responder's RESPONDER-LIFETIME in QM2: the shorter lifetime applies (RFC 2407 §4.6.3.1).
        static func applyResponderLifetime(_ attributes: [DataAttribute], to negotiated: inout NegotiatedPhase2) {
            var type: LifeType?
            for attribute in attributes {
                switch IPsecAttributeType(rawValue: attribute.type) {
                case .saLifeType: type = attribute.uint16Value.map(LifeType.init(rawValue:))
                case .saLifeDuration:
                    guard let value = attribute.integerValue, value > 0 else { continue }
                    if type == .seconds, negotiated.lifetimeSeconds == 0 || UInt64(negotiated.lifetimeSeconds) > value { negotiated.lifetimeSeconds = UInt32(clamping: value) }
                    if type == .kilobytes, negotiated.lifetimeKilobytes == 0 || UInt64(negotiated.lifetimeKilobytes) > value { negotiated.lifetimeKilobytes = UInt32(clamping: value) }
                default: continue
                }
            }
        }
    }
}
