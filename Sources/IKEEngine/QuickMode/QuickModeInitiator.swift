import IKECrypto
import IPsecTypes
import ISAKMP

/// Quick Mode as the initiator (RFC 2409 §5.5), with optional PFS:
///
///     HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  -->
///                               <--  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
///     HDR*, HASH(3)                                -->
struct QuickModeInitiator {
    enum State {
        /// Nothing sent yet: our PFS key is computing; QM1 goes out when it arrives.
        case computingKey(Offer)
        /// QM1 (HASH(1), SA, Ni [, KE], IDci, IDcr) sent; waiting for QM2.
        case sentProposal(SentProposal)
        /// QM2 verified and acceptable; the PFS g^xy is computing, QM3 not sent yet.
        case computing(Agreed)
        /// QM3 sent; the responder set the commit bit, so the SAs wait for its CONNECTED.
        case awaitingConnected(QuickModeResult)
        /// QM3 sent and the SAs handed to the kernel; a repeated QM2 gets QM3 from the driver's cache.
        case done
        case failed
    }

    /// What we propose, before QM1 is sent.
    struct Offer {
        var sa: SecurityAssociationPayload
        /// Traffic from our side's view.
        var selector: TrafficSelector
        var pfsGroup: DHGroup?
        /// NAT-OAi and NAT-OAr (RFC 3947 §5.2), for transport mode across a NAT.
        var natOriginalAddresses: [Payload] = []
        /// Transport mode across a NAT: the responder may echo the client identities rewritten to
        /// the addresses it sees (strongSwan: "changing received traffic selectors due to NAT").
        var acceptsRewrittenIdentities = false
    }

    private(set) var state: State

    /// Starts the exchange: QM1 at once, or after our PFS key.
    static func start(_ offer: Offer, _ context: QuickModeContext) -> (QuickModeInitiator, [QuickModeAction]) {
        if let group = offer.pfsGroup {
            return (QuickModeInitiator(state: .computingKey(offer)), [.compute(.generateKey(group))])
        }
        let (state, actions) = Self.sendProposal(offer, key: nil, context)
        return (QuickModeInitiator(state: state), actions)
    }

    /// A QM2 (or a stray message under this message ID) and its decrypted payloads, HASH first.
    mutating func received(_ message: ISAKMPMessage, _ payloads: [Payload], hash: [UInt8], _ context: QuickModeContext) -> [QuickModeAction] {
        let (next, actions): (State, [QuickModeAction]) = switch state {
        case .sentProposal(let sentProposal): sentProposal.received(message, payloads, hash: hash, context)
        case .computingKey, .computing, .awaitingConnected, .done, .failed: (state, [.dropped(.unexpected)])
        }
        state = next
        return actions
    }

    mutating func computed(_ result: ComputeResult, _ context: QuickModeContext) -> [QuickModeAction] {
        let (next, actions): (State, [QuickModeAction]) = switch (state, result) {
        case (.computingKey(let offer), .key(let key)):
            Self.sendProposal(offer, key: key, context)
        case (.computing(let agreed), .keyAndSecret(_, let secret)):
            agreed.finish(pfsSecret: secret, context)
        case (.computingKey, .failed(let error)), (.computing, .failed(let error)):
            (.failed, [.failed("PFS Diffie-Hellman failed: \(error)", notify: nil, spi: [])])
        case (.computingKey, _), (.sentProposal, _), (.computing, _), (.awaitingConnected, _), (.done, _), (.failed, _):
            (state, [])
        }
        state = next
        return actions
    }

    /// The responder's CONNECTED for a committed exchange: the SAs go in now.
    mutating func connected() -> [QuickModeAction] {
        switch state {
        case .awaitingConnected(let result):
            state = .done
            return [.install(result)]
        case .computingKey, .sentProposal, .computing, .done, .failed:
            return []
        }
    }

    /// Whether the exchange waits for the responder's CONNECTED.
    var awaitsConnected: Bool {
        switch state {
        case .awaitingConnected: true
        case .computingKey, .sentProposal, .computing, .done, .failed: false
        }
    }

    /// Whether a protected error notify from the peer can still end this exchange (it has not
    /// answered our QM1).
    var awaitsAnswer: Bool {
        switch state {
        case .computingKey, .sentProposal: true
        case .computing, .awaitingConnected, .done, .failed: false
        }
    }

    mutating func fail() { state = .failed }

    /// The SPI of our first proposal (peers name it in a refusal).
    var proposedSPI: [UInt8]? {
        switch state {
        case .computingKey(let offer): offer.sa.proposals.first?.spi
        case .sentProposal(let sent): sent.offer.sa.proposals.first?.spi
        case .computing(let agreed): agreed.sent.offer.sa.proposals.first?.spi
        case .awaitingConnected, .done, .failed: nil
        }
    }

    /// The peer's SPI once QM2 named it.
    var peerSPI: UInt32? {
        switch state {
        case .computing(let agreed): agreed.result.peerSPI
        case .awaitingConnected(let result): result.peerSPI
        case .computingKey, .sentProposal, .done, .failed: nil
        }
    }

    var isFinished: Bool {
        switch state {
        case .done, .failed: true
        case .computingKey, .sentProposal, .computing, .awaitingConnected: false
        }
    }

    /// QM1: HASH(1), SA, Ni [, KE], IDci, IDcr.
    private static func sendProposal(_ offer: Offer, key: DHPrivateKey?, _ context: QuickModeContext) -> (State, [QuickModeAction]) {
        let nonce = context.nonce()
        var payloads = [Payload(.securityAssociation(offer.sa)), Payload(.nonce(nonce))]
        if let key { payloads.append(Payload(.keyExchange(key.publicValue))) }
        let identities = [
            TrafficIdentity.payload(offer.selector.local, upperProtocol: offer.selector.upperProtocol, port: offer.selector.localPort),
            TrafficIdentity.payload(offer.selector.remote, upperProtocol: offer.selector.upperProtocol, port: offer.selector.remotePort),
        ]
        payloads += identities + offer.natOriginalAddresses
        let bytes = context.seal(hash: context.hashes.hash1(messageID: context.messageID, rest: PayloadChain.encode(payloads)), payloads)
        let mode = offer.sa.proposals.first?.transforms.first.flatMap { Phase2Proposal.parse($0, protocolID: offer.sa.proposals[0].protocolID)?.mode }
        return (.sentProposal(SentProposal(offer: offer, key: key, initiatorNonce: nonce, identities: identities)), [
            .send(bytes, .request),
            .note("Quick Mode \(hex(context.messageID)) for \(offer.selector) (\(mode?.rawValue ?? "?")\(offer.pfsGroup.map { ", PFS \($0)" } ?? ""))"),
        ])
    }
}
