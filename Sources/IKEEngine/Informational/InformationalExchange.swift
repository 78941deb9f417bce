import IKECrypto
import IPsecTypes
import ISAKMP

/// Informational exchanges (RFC 2409 §5.7): one protected message, HASH(1) then notifies and
/// deletes. The initiator's step seals; the responder's step verifies and reads, turning each
/// payload into an action for the engine. An unprotected or unverifiable informational never
/// changes established state (racoon CVE-2004-0164, Libreswan CVE-2019-10155).
enum InformationalExchange {
    /// What a received informational asks for, in payload order.
    enum Action: Equatable {
        /// Verified under the SA's keys: the IV chain moves on, the peer is heard from.
        case verified
        /// Delete these ISAKMP SAs (cookie pairs), if they are ours with this peer.
        case deletePhase1([CookiePair])
        /// Delete these IPsec SAs (the peer's inbound SPIs: our outbound ones).
        case deleteIPsec([UInt32], SecurityProtocol)
        case initialContact
        /// RESPONDER-LIFETIME for the ISAKMP SA, in seconds.
        case phase1Lifetime(UInt64)
        /// CONNECTED for a committed Quick Mode, with the SPI it names.
        case connected(spi: [UInt8])
        /// R-U-THERE (RFC 3706): answered with an ACK carrying the same sequence number.
        case areYouThere(NotificationPayload)
        /// R-U-THERE-ACK: the answer to ours, when its sequence number matches.
        case areYouThereAck(NotificationPayload)
        /// An error notify from the peer (it refuses one of our Quick Modes).
        case peerError(NotificationPayload)
        /// Verified but nothing to do: counted and logged.
        case ignored(String)
        /// The peer refused Main Mode in the clear, or its MM6-time notify does not verify.
        case failNegotiation(Phase1Failure)
        case dropped(Dropped)
    }

    /// Where the SA is, as far as a received informational cares.
    enum Standing {
        /// Main Mode has not made keys: only a cleartext refusal means anything.
        case unkeyed
        /// Initiator with MM5 sent: the responder's notify under keys that are not ours means it
        /// could not read MM5.
        case awaitingPeerProof
        /// Responder with MM4 sent: keys made, the initiator's proof still to come.
        case keyedNegotiating
        /// Phase 1 is up: a cleartext notify is nobody's word.
        case established
    }

    /// The initiator's step: `payloads` after HASH(1) under `messageID`, sealed.
    static func seal(_ payloads: [Payload], messageID: UInt32, _ keying: Phase1Keying) -> [UInt8] {
        let hash = keying.phase2.hash1(messageID: messageID, rest: PayloadChain.encode(payloads))
        let header = ISAKMPHeader(initiatorCookie: keying.cookies.initiator, responderCookie: keying.cookies.responder, exchangeType: .informational,
                                  messageID: messageID)
        return keying.seal(header, [Payload(.hash(hash))] + payloads)
    }

    /// The responder's step: verifies `message` and reads it.
    static func read(_ message: ISAKMPMessage, _ keying: Phase1Keying?, _ standing: Standing) -> [Action] {
        guard message.header.flags.contains(.encryption) else {
            // Before Phase 1 completes the peer can only refuse in the clear.
            switch standing {
            case .unkeyed, .awaitingPeerProof, .keyedNegotiating:
                if let notify = message.clearErrorNotify { return [.failNegotiation(Phase1Failure(.peerRefused, "peer sent \(notify)"))] }
                return [.dropped(.unexpected)]
            case .established:
                return [.dropped(.unexpected)]
            }
        }
        guard let keying else { return [.dropped(.unexpected)] }
        let payloads: [Payload]
        do {
            payloads = try keying.open(message)
        } catch {
            return refusedUnderOtherKeys(standing, .decryption)
        }
        guard case .hash(let hash)? = payloads.first?.content,
              constantTimeEquals(hash, keying.phase2.hash1(messageID: message.header.messageID, rest: PayloadChain.encode(Array(payloads.dropFirst()))))
        else { return refusedUnderOtherKeys(standing, .hash) }
        var actions: [Action] = [.verified]
        switch standing {
        case .established:
            break
        case .unkeyed, .awaitingPeerProof, .keyedNegotiating:
            // The keys verify, but the peer has not proven who it is yet (with signatures SKEYID
            // needs no secret): nothing it says may touch state until Main Mode completes.
            return actions + [.ignored("an informational before Phase 1 is authenticated")]
        }
        for payload in payloads.dropFirst() {
            switch payload.content {
            case .delete(let delete): actions.append(read(delete))
            case .notification(let notify): actions.append(read(notify, cookies: keying.cookies))
            default: actions.append(.ignored("a \(payload.type) payload"))
            }
        }
        if payloads.count == 1 { actions.append(.ignored("an empty informational")) }
        return actions
    }

    private static func refusedUnderOtherKeys(_ standing: Standing, _ dropped: Dropped) -> [Action] {
        switch standing {
        case .awaitingPeerProof:
            // The responder answered MM5 with a notify under keys that are not ours: it could not
            // read MM5, so the pre-shared keys differ. Before Phase 1 completes notifies are
            // unauthenticated anyway (as the cleartext ones we already obey).
            return [.dropped(dropped), .failNegotiation(Phase1Failure(
                .authentication, "authentication failed: the responder's notification does not verify (the pre-shared keys differ)"))]
        case .unkeyed, .keyedNegotiating, .established:
            return [.dropped(dropped)]
        }
    }

    private static func read(_ delete: DeletePayload) -> Action {
        guard !delete.spis.isEmpty else { return .ignored("a delete naming no SPI") }
        switch delete.protocolID {
        case .isakmp:
            let pairs = delete.spis.compactMap { spi in
                spi.count == 16 ? CookiePair(initiator: Cookie(Array(spi[0..<8])), responder: Cookie(Array(spi[8..<16]))) : nil
            }
            return pairs.isEmpty ? .ignored("a delete of ISAKMP SAs with SPIs that are not cookie pairs") : .deletePhase1(pairs)
        case .esp, .ah:
            let spis = delete.spis.compactMap(\.spiValue)
            return spis.isEmpty ? .ignored("a delete of \(delete.protocolID) SAs with SPIs that are not 4 bytes") : .deleteIPsec(spis, delete.protocolID)
        default:
            return .ignored("a delete for protocol \(delete.protocolID)")
        }
    }

    private static func read(_ notify: NotificationPayload, cookies: CookiePair) -> Action {
        switch notify.type {
        case .initialContact:
            return .initialContact
        case .responderLifetime where notify.protocolID == .isakmp:
            guard notify.spi == cookies.initiator.bytes + cookies.responder.bytes, let attributes = try? DataAttribute.decodeList(notify.data) else {
                return .ignored("a RESPONDER-LIFETIME that shortens nothing")
            }
            var seconds: UInt64?
            var type: LifeType?
            for attribute in attributes {
                switch Phase1AttributeType(rawValue: attribute.type) {
                case .lifeType: type = attribute.uint16Value.map(LifeType.init(rawValue:))
                case .lifeDuration: if type == .seconds, let value = attribute.integerValue, value > 0 { seconds = value }
                default: break
                }
            }
            return seconds.map { .phase1Lifetime($0) } ?? .ignored("a RESPONDER-LIFETIME that shortens nothing")
        case .connected:
            return .connected(spi: notify.spi)
        case .dpdRUThere:
            return .areYouThere(notify)
        case .dpdRUThereAck:
            return .areYouThereAck(notify)
        default:
            // RESPONDER-LIFETIME for an IPsec SA outside Quick Mode, REPLAY-STATUS, an ACK we did not
            // ask for, unknown status types: nothing to do.
            return notify.type.isError ? .peerError(notify) : .ignored("a \(notify.type) notify")
        }
    }
}
