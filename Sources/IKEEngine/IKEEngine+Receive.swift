import IKECrypto
import IPsecTypes
import ISAKMP

extension IKEEngine {
    /// Routes a datagram. Nothing here may change established state on a message that does not decode,
    /// has no SA, or fails its hash: such messages are counted and dropped.
    func receive(_ arrived: Datagram) {
        guard let datagram = unframed(arrived) else { return }
        do {
            if let fragment = try Fragment.parse(datagram.bytes) {
                receive(fragment, datagram)
                return
            }
        } catch {
            statistics.malformedDropped += 1
            log(.info, .operational, "dropped a malformed fragment from \(datagram.remote): \(error)")
            return
        }
        receiveWhole(datagram)
    }

    /// A whole IKE message (one datagram, or reassembled from fragments).
    func receiveWhole(_ datagram: Datagram) {
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
                // A repeat of an MM1 we answered gets MM2 again; a different MM1 with its cookie is dropped.
                answerRepeat(datagram, on: .mainMode, of: sa)
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
        guard let sa = phase1[cookies] ?? phase1.awaitingResponder(cookies.initiator) else {
            statistics.unexpectedDropped += 1
            log(.debug, .operational, "no SA for cookies \(header.initiatorCookie) \(header.responderCookie) from \(datagram.remote)")
            return
        }
        // Messages must come from the peer this SA talks to, or, with NAT-T, to our NAT-T port from
        // where a NAT now maps the peer (the SA follows once the message authenticates).
        guard sa.remote == datagram.remote || mayFollow(sa, to: datagram), !sa.isDead else {
            statistics.unexpectedDropped += 1
            return
        }
        let exchange: ExchangeKey
        switch header.exchangeType {
        case .identityProtection where header.messageID == 0: exchange = .mainMode
        case .quickMode: exchange = .quickMode(header.messageID)
        case .informational: exchange = .informational(header.messageID)
        default:
            statistics.unexpectedDropped += 1
            log(.info, .operational, "ignored \(header.exchangeType) from \(datagram.remote): not supported (Main Mode only, as Solaris)")
            return
        }
        // The driver answers repeats from its cache and drops duplicates before any exchange sees them.
        guard case .new = sa.driver.classify(datagram.bytes, on: exchange) else {
            answerRepeat(datagram, on: exchange, of: sa)
            return
        }
        switch exchange {
        case .mainMode:
            mainMode(message, datagram, sa)
        case .quickMode:
            quickMode(message, datagram, sa)
        case .informational:
            informational(message, datagram, sa)
        }
    }

    /// A repeated request gets the cached answer; a repeat with none (yet) is dropped.
    func answerRepeat(_ datagram: Datagram, on exchange: ExchangeKey, of sa: Phase1SA) {
        switch sa.driver.classify(datagram.bytes, on: exchange) {
        case .repeated(let answer):
            send(answer, on: sa)
            statistics.retransmissions += 1
        case .duplicate, .new:
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
        refused.insert(HalfOpenKey(initiatorCookie: cookies.initiator, peer: datagram.remote), answer: answer, until: now.adding(seconds: settings.expireTimer))
        dirty.mark(.refusals)
    }

    /// A compute job finished.
    func computed(_ token: UInt64, _ result: ComputeResult) {
        guard let continuation = pendingCompute.removeValue(forKey: token) else { return }
        unauthenticatedComputations.remove(token)
        // The handle finds the SA whatever happened to its cookies; a result for an SA that is gone
        // is dropped.
        guard let sa = phase1[continuation.handle], !sa.isDead else { return }
        switch continuation {
        case .mainMode:
            mainModeComputed(sa, result)
        case .quickMode(_, let id):
            guard let exchange = sa.quickModes[id] else { return }
            quickModeComputed(sa, exchange, result)
        }
    }
}
