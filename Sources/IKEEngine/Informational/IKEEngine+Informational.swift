import IKECrypto
import IPsecTypes
import ISAKMP

/// Informational exchanges (RFC 2409 §5.7): notifies and deletes, protected by HASH(1) once Phase 1 is
/// complete. An unprotected or unverifiable informational never changes established state
/// (racoon CVE-2004-0164, Libreswan CVE-2019-10155).
extension IKEEngine {
    /// An informational for an SA we hold: the exchange reads it, the engine acts on what it names.
    func informational(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        let keying = sa.keying
        let standing: InformationalExchange.Standing
        switch sa.state {
        case .negotiating(.initiator(let machine)): standing = machine.keying == nil ? .unkeyed : .awaitingPeerProof
        case .negotiating(.responder(let machine)): standing = machine.keying == nil ? .unkeyed : .keyedNegotiating
        case .established: standing = .established
        case .dead: return
        }
        for action in InformationalExchange.read(message, keying, standing) {
            guard !sa.isDead else { return }
            switch action {
            case .verified:
                keying?.accept(message)
                heardFrom(sa)
                if sa.isEstablished { followPeer(sa, datagram) }
            case .deletePhase1(let pairs):
                for cookies in pairs {
                    // Only SAs with this peer may be deleted through this SA.
                    guard let target = phase1[cookies], target.remote.address == sa.remote.address else {
                        ignoreInformational(sa, "a delete of an ISAKMP SA we do not hold with it")
                        continue
                    }
                    log(.info, .phase1, "peer \(sa.remote) deleted Phase 1 SA \(cookies.initiator):\(cookies.responder)")
                    removePhase1(target)
                }
            case .deleteIPsec(let spis, let protocolID):
                for spi in spis {
                    guard let ourSPI = ipsecSAs.ourSPI(outbound: spi, protocolID: protocolID, peer: sa.remote.address) else {
                        ignoreInformational(sa, "a delete of an \(protocolID) SA we do not hold with it")
                        continue
                    }
                    log(.info, .phase2, "peer \(sa.remote) deleted IPsec SA \(hex(spi))")
                    removeIPsecSAs(ourSPI)
                }
            case .initialContact:
                log(.info, .phase1, "INITIAL-CONTACT from \(sa.remote): SAs of its earlier life are forgotten")
                forgetEarlierSAs(of: sa)
            case .phase1Lifetime(let seconds):
                if !obeyResponderLifetime(seconds, on: sa) { ignoreInformational(sa, "a RESPONDER-LIFETIME that shortens nothing") }
            case .connected(let spi):
                let waiting = sa.quickModes.values.filter { exchange in
                    guard let initiator = exchange.initiator, initiator.awaitsConnected else { return false }
                    return spi.isEmpty || spi.spiValue == initiator.peerSPI || spi.spiValue == exchange.ourSPI
                }
                for exchange in waiting { completeInitiator(sa, exchange) }
                if waiting.isEmpty { ignoreInformational(sa, "a CONNECTED for no committed Quick Mode") }
            case .areYouThereAck(let notify):
                if !receivedAreYouThereAck(notify, on: sa) { ignoreInformational(sa, "an R-U-THERE-ACK we did not ask for") }
            case .areYouThere(let notify):
                statistics.dpdRequestsAnswered += 1
                sendInformational(sa, [Payload(.notification(NotificationPayload(protocolID: .isakmp, type: .dpdRUThereAck, spi: notify.spi, data: notify.data)))])
                peerProbed(sa)
            case .peerError(let notify):
                log(.warning, .operational, "peer \(sa.remote) reports \(notify.type)")
                peerRefusedQuickMode(sa, notify)
            case .ignored(let what):
                ignoreInformational(sa, what)
            case .failNegotiation(let failure):
                failPhase1(sa, failure.reason, failure.message)
            case .dropped(let reason):
                count(reason, on: sa)
                if reason == .decryption || reason == .hash { log(.warning, .operational, "dropped an informational from \(sa.remote) that does not verify") }
            }
        }
    }

    /// A verified informational payload we do not act on: counted and logged, state untouched.
    private func ignoreInformational(_ sa: Phase1SA, _ what: String) {
        statistics.informationalIgnored += 1
        log(.info, .operational, "ignored \(what) from \(sa.remote)")
    }

    /// A protected error notify ends the Quick Modes we are waiting on that it names: by our SPI, by
    /// the SPI of our proposal, by the ISAKMP SA's cookies or with no SPI at all (peers differ in what
    /// they put there). One naming none of them refuses our latest request, which is what a peer
    /// answers. Either way the exchange ends now instead of retransmitting to the retry limit.
    private func peerRefusedQuickMode(_ sa: Phase1SA, _ notify: NotificationPayload) {
        let inFlight = sa.quickModes.values.filter { $0.initiator?.awaitsAnswer ?? false }
        let cookies = sa.initiatorCookie.bytes + sa.responderCookie.bytes
        var named = inFlight.filter { exchange in
            notify.spi.isEmpty || notify.spi == cookies || notify.spi.spiValue == exchange.ourSPI || notify.spi == exchange.initiator?.proposedSPI
        }
        if named.isEmpty, let latest = inFlight.max(by: { $0.created < $1.created }) { named = [latest] }
        statistics.quickModeRefused += named.count
        for exchange in named { failQuickMode(sa, exchange, "refused by the peer: \(notify.type)") }
    }

    /// The responder shortened our ISAKMP SA's lifetime: the shorter one applies (RFC 2407 §4.6.3.1).
    /// Returns whether the lifetime changed.
    private func obeyResponderLifetime(_ seconds: UInt64, on sa: Phase1SA) -> Bool {
        guard let keying = sa.establishedKeying, let established = sa.established, seconds < UInt64(keying.negotiated.lifetimeSeconds) else { return false }
        keying.shorten(toSeconds: UInt32(seconds))
        sa.deadlines[.lifetime] = established.adding(seconds: Double(seconds))
        log(.info, .phase1, "\(sa.remote) shortened Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) to \(seconds) s")
        return true
    }

    /// Sends a protected informational with `payloads` after HASH(1).
    /// Returns its message ID (nil when the SA is not established).
    @discardableResult
    func sendInformational(_ sa: Phase1SA, _ payloads: [Payload], _ delivery: Delivery = .oneWay, retryLimit: Int? = nil) -> UInt32? {
        guard let keying = sa.establishedKeying else { return nil }
        let id = sa.driver.makeMessageID(random)
        let bytes = InformationalExchange.seal(payloads, messageID: id, keying)
        sa.driver.sent(bytes, delivery, on: .informational(id), at: now, settings: settings, retryLimit: retryLimit)
        send(bytes, on: sa)
        return id
    }

    func sendNotify(_ sa: Phase1SA, _ type: NotifyMessageType, protocolID: SecurityProtocol, spi: [UInt8]) {
        sendInformational(sa, [Payload(.notification(NotificationPayload(protocolID: protocolID, type: type, spi: spi)))])
    }

    /// Deletes a Phase 1 SA, telling the peer when asked to.
    func deletePhase1(_ sa: Phase1SA, notify: Bool) {
        if notify {
            sendInformational(sa, [Payload(.delete(DeletePayload(protocolID: .isakmp, spiSize: 16, spis: [sa.initiatorCookie.bytes + sa.responderCookie.bytes])))])
        }
        log(.info, .phase1, "deleted Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) with \(sa.remote)")
        removePhase1(sa)
    }

    /// Deletes every IPsec SA with a peer, telling it through an established Phase 1 SA.
    func deleteIPsecSAs(peer: IPAddress, notify: Bool) {
        for (ourSPI, pair) in ipsecSAs.pairs(with: peer) {
            if notify { announceDelete(pair) }
            removeIPsecSAs(ourSPI)
        }
    }

    /// Sends a Delete for our inbound SPI of a pair.
    func announceDelete(_ pair: InstalledSAPair) {
        let carrier = phase1[pair.phase1].flatMap { $0.isEstablished ? $0 : nil }
            ?? phase1.with(peer: pair.peer).first { $0.isEstablished }
        guard let carrier else { return }
        sendInformational(carrier, [Payload(.delete(DeletePayload(protocolID: pair.inbound.protocolID, spiSize: 4, spis: [pair.inbound.spi.bigEndianBytes])))])
    }

    /// Removes both directions of an SA pair from the kernel and our table.
    func removeIPsecSAs(_ ourSPI: UInt32) {
        guard let pair = ipsecSAs.removeValue(forKey: ourSPI) else { return }
        phase1[pair.phase1]?.counters.ipsecSAsDeleted += 1
        effects.append(.deleteSA(spi: pair.inbound.spi, protocolID: pair.inbound.protocolID, destination: pair.inbound.destination))
        effects.append(.deleteSA(spi: pair.outbound.spi, protocolID: pair.outbound.protocolID, destination: pair.outbound.destination))
        statistics.ipsecSAsDeleted += 1
    }

    /// INITIAL-CONTACT: the peer restarted, so what we hold with it from before this negotiation began is
    /// stale. SAs established after that moment are its concurrent work (both ends initiating at once)
    /// and stay.
    func forgetEarlierSAs(of sa: Phase1SA) {
        for other in Array(phase1.with(peer: sa.remote.address)) where other !== sa {
            guard let established = other.established, established < sa.created else { continue }
            log(.info, .phase1, "INITIAL-CONTACT from \(sa.remote): dropping Phase 1 SA \(other.initiatorCookie):\(other.responderCookie)")
            removePhase1(other)
        }
        for (ourSPI, pair) in ipsecSAs.pairs(with: sa.remote.address) where pair.installed < sa.created {
            removeIPsecSAs(ourSPI)
        }
    }

    /// The kernel says an SA expired.
    func kernelExpired(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress, hard: Bool) {
        guard let ourSPI = ipsecSAs.ourSPI(kernelSPI: spi, destination: destination), let pair = ipsecSAs[ourSPI] else { return }
        if hard {
            announceDelete(pair)
            removeIPsecSAs(ourSPI)
        } else {
            rekey(ourSPI)
        }
    }

    /// Starts a new Quick Mode for the traffic of an SA pair before it expires.
    func rekey(_ ourSPI: UInt32) {
        guard var pair = ipsecSAs[ourSPI], !pair.rekeyed, let request = pair.request else { return }
        pair.rekeyed = true
        pair.deadlines[.softLifetime] = nil
        ipsecSAs[ourSPI] = pair
        log(.info, .phase2, "soft expiry of \(hex(ourSPI)): rekeying \(request.selector)")
        acquire(request)
    }

    /// The kernel could not take an SA pair the peer now holds: it is told to delete its side.
    func installFailed(inboundSPI: UInt32, reason: String) {
        guard let pair = ipsecSAs[inboundSPI] else { return }
        log(.error, .phase2, "the kernel refused IPsec SAs with \(pair.peer) (SPI \(hex(inboundSPI))): \(reason)")
        // The exchange completed; the SAs never were installed.
        statistics.ipsecSAsInstalled -= 1
        statistics.quickModeFailed += 1
        announceDelete(pair)
        ipsecSAs[inboundSPI] = nil
    }

    /// An administrator flushed the kernel's SAs: peers are told, so the next packet negotiates afresh.
    func kernelFlushed() {
        for (ourSPI, pair) in ipsecSAs.all {
            announceDelete(pair)
            ipsecSAs[ourSPI] = nil
            phase1[pair.phase1]?.counters.ipsecSAsDeleted += 1
            statistics.ipsecSAsDeleted += 1
        }
        log(.info, .phase2, "the kernel's SAs were flushed")
    }

    /// Leaves nothing behind: every IPsec SA deleted here and at the peer, then every Phase 1 SA.
    func shutdown() {
        for (ourSPI, pair) in ipsecSAs.all {
            announceDelete(pair)
            removeIPsecSAs(ourSPI)
        }
        for sa in Array(phase1.values) where !sa.isDead {
            deletePhase1(sa, notify: sa.isEstablished)
        }
    }
}
