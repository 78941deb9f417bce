import IKECrypto
import IPsecTypes
import ISAKMP

extension IKEEngine {
    /// Routes a datagram. Nothing here may change established state on a message that does not decode,
    /// has no SA, or fails its hash: such messages are counted and dropped.
    func receive(_ datagram: Datagram) {
        let message: ISAKMPMessage
        do {
            message = try ISAKMPMessage.decode(datagram.bytes)
        } catch {
            statistics.malformedDropped += 1
            log(.info, .operational, "dropped a malformed datagram from \(datagram.remote): \(error)")
            return
        }
        let header = message.header
        let cookies = CookiePair(initiator: header.initiatorCookie, responder: header.responderCookie)
        if header.exchangeType == .identityProtection, header.responderCookie.isZero, header.messageID == 0 {
            let key = HalfOpenKey(initiatorCookie: header.initiatorCookie, peer: datagram.remote)
            if let known = halfOpen[key], let sa = phase1[known] {
                repeatOrDrop(datagram, slot: sa.mainMode, sa: sa)
                return
            }
            if let refusal = refused[key] {
                statistics.unexpectedDropped += 1
                send(refusal.answer, from: datagram.local, to: datagram.remote)
                return
            }
            respondToMainMode1(message, datagram)
            return
        }
        guard var sa = phase1[cookies] ?? halfOpenInitiator(cookies) else {
            statistics.unexpectedDropped += 1
            log(.debug, .operational, "no SA for cookies \(header.initiatorCookie) \(header.responderCookie) from \(datagram.remote)")
            return
        }
        // Messages must come from the peer this SA talks to (no NAT-T yet, so the address is fixed).
        guard sa.remote == datagram.remote, sa.state != .dead else {
            statistics.unexpectedDropped += 1
            return
        }
        if sa.responderCookie.isZero, sa.role == .initiator {
            // The responder's first answer tells us its cookie.
            let old = sa.cookies
            sa.responderCookie = header.responderCookie
            rekeyTable(sa, from: old)
            sa = phase1[sa.cookies] ?? sa
        }
        switch header.exchangeType {
        case .identityProtection where header.messageID == 0:
            mainMode(message, datagram, sa)
        case .quickMode:
            quickMode(message, datagram, sa)
        case .informational:
            informational(message, datagram, sa)
        default:
            statistics.unexpectedDropped += 1
            log(.info, .operational, "ignored \(header.exchangeType) from \(datagram.remote): not supported (Main Mode only, as Solaris)")
        }
    }

    /// An initiator SA whose responder cookie is still zero matches any responder cookie once.
    private func halfOpenInitiator(_ cookies: CookiePair) -> Phase1SA? {
        phase1[CookiePair(initiator: cookies.initiator, responder: .zero)].flatMap { $0.role == .initiator ? $0 : nil }
    }

    /// A repeated request gets the cached answer; anything else on a busy slot is dropped.
    func repeatOrDrop(_ datagram: Datagram, slot: ExchangeSlot, sa: Phase1SA) {
        if slot.isRepeat(datagram.bytes), let answer = slot.lastAnswer {
            send(answer, from: sa.local, to: sa.remote)
            statistics.retransmissions += 1
        } else {
            statistics.unexpectedDropped += 1
        }
    }

    /// Sends an unprotected notify (before Phase 1 completes, RFC 2408 §5: errors go in the clear).
    @discardableResult
    func sendClearNotify(_ type: NotifyMessageType, cookies: CookiePair, local: Endpoint, remote: Endpoint) -> [UInt8] {
        let notify = NotificationPayload(doi: .ipsec, protocolID: .isakmp, type: type, spi: cookies.initiator.bytes + cookies.responder.bytes)
        let message = ISAKMPMessage(
            header: ISAKMPHeader(initiatorCookie: cookies.initiator, responderCookie: cookies.responder, exchangeType: .informational),
            body: .payloads([Payload(.notification(notify))]))
        let bytes = message.encoded()
        send(bytes, from: local, to: remote)
        log(.info, .phase1, "sent \(type) to \(remote)")
        return bytes
    }

    /// Refuses a Main Mode offer and remembers the refusal for its retransmissions (expire_timer long).
    func refuseMainMode(_ type: NotifyMessageType, _ message: ISAKMPMessage, _ datagram: Datagram) {
        let cookies = CookiePair(initiator: message.header.initiatorCookie, responder: .zero)
        let answer = sendClearNotify(type, cookies: cookies, local: datagram.local, remote: datagram.remote)
        refused[HalfOpenKey(initiatorCookie: cookies.initiator, peer: datagram.remote)] = (answer, now.adding(seconds: settings.expireTimer))
    }

    /// A compute job finished.
    func computed(_ token: UInt64, _ result: ComputeResult) {
        guard let continuation = pendingCompute.removeValue(forKey: token) else { return }
        switch continuation {
        case .phase1Key(let cookies), .phase1Secret(let cookies):
            guard let sa = phase1[cookies] ?? phase1.values.first(where: { $0.initiatorCookie == cookies.initiator && $0.role == .initiator }) else { return }
            mainModeComputed(sa, result)
        case .quickModeKey(let cookies, let id), .quickModeSecret(let cookies, let id):
            guard let sa = phase1[cookies], let exchange = sa.quickModes[id] else { return }
            quickModeComputed(sa, exchange, result)
        }
    }
}
