import IPsecTypes
import ISAKMP

/// Dead Peer Detection (RFC 3706): when nothing verified has come from a DPD-capable peer for
/// `dpd_interval` (no IKE message, no inbound ESP the kernel counted), we send R-U-THERE; the driver
/// retransmits it `dpd_retries` times with the retry_timer backoff. The matching ACK (same sequence
/// number) is a successful handshake; none means the peer is dead: its Phase 1 and IPsec SAs are
/// deleted, so the next packet that needs them makes the kernel ask for a new negotiation.
///
/// When both ends run DPD, one probing is enough: every check comes a random 0-10 % after the
/// interval, so the two ends drift apart, and a peer's R-U-THERE puts our own check off to 1.5
/// intervals — the peer keeps probing, we answer; if it stops (it died), our check comes due.
extension IKEEngine {
    /// Starts watching an established SA, if the peer announced DPD and DPD is on.
    func startDeadPeerDetection(_ sa: Phase1SA) {
        guard settings.dpdInterval > 0, sa.peerSupportsDPD else { return }
        sa.dpd = DeadPeerDetection(firstSequence: random.uint32() & 0x7FFF_FFFF)
        sa.deadlines[.deadPeerDetection] = now.adding(seconds: dpdDelay())
    }

    /// The interval and a random 0-10 % more.
    private func dpdDelay() -> Double {
        settings.dpdInterval * (1 + Double(random.bytes(1)[0]) / 2550)
    }

    /// We answered the peer's R-U-THERE: it is alive and probing, so ours waits.
    func peerProbed(_ sa: Phase1SA) {
        guard sa.dpd != nil, sa.dpd?.outstanding == nil else { return }
        sa.deadlines[.deadPeerDetection] = now.adding(seconds: settings.dpdInterval * 1.5)
    }

    /// The DPD timer: R-U-THERE if the peer has been quiet for the interval, else look again when it
    /// would have been.
    func deadPeerDetectionDue(_ sa: Phase1SA) {
        sa.deadlines[.deadPeerDetection] = nil
        guard sa.isEstablished, var dpd = sa.dpd, dpd.outstanding == nil else { return }
        if let bytes = inboundBytes(of: sa), bytes != dpd.inboundBytes {
            dpd.inboundBytes = bytes
            dpd.lastTraffic = now
        }
        let quietSince = [sa.lastHeard, dpd.lastTraffic, sa.established].compactMap { $0 }.max() ?? now
        guard now.seconds(since: quietSince) >= settings.dpdInterval else {
            sa.dpd = dpd
            sa.deadlines[.deadPeerDetection] = quietSince.adding(seconds: dpdDelay())
            return
        }
        let sequence = dpd.nextSequence
        dpd.nextSequence &+= 1
        let notify = NotificationPayload(protocolID: .isakmp, type: .dpdRUThere, spi: sa.initiatorCookie.bytes + sa.responderCookie.bytes,
                                         data: sequence.bigEndianBytes)
        guard let messageID = sendInformational(sa, [Payload(.notification(notify))], .request, retryLimit: settings.dpdRetries) else { return }
        dpd.outstanding = (messageID, sequence)
        dpd.result = .inProgress
        dpd.resultTime = now
        sa.dpd = dpd
        statistics.dpdRequestsSent += 1
        log(.info, .phase1, "R-U-THERE #\(sequence) to \(sa.remote): nothing heard for \(Int(now.seconds(since: quietSince))) s")
    }

    /// An R-U-THERE-ACK: ours when its sequence number is the one in flight.
    func receivedAreYouThereAck(_ notify: NotificationPayload, on sa: Phase1SA) -> Bool {
        guard var dpd = sa.dpd, let outstanding = dpd.outstanding, notify.data == outstanding.sequence.bigEndianBytes else { return false }
        sa.driver.forget(.informational(outstanding.messageID))
        dpd.outstanding = nil
        dpd.result = .succeeded
        dpd.resultTime = now
        sa.dpd = dpd
        sa.deadlines[.deadPeerDetection] = now.adding(seconds: dpdDelay())
        return true
    }

    /// An informational request spent its retransmissions; the R-U-THERE in flight means a dead peer.
    func informationalUnanswered(_ messageID: UInt32, on sa: Phase1SA) {
        guard var dpd = sa.dpd, dpd.outstanding?.messageID == messageID else {
            log(.warning, .operational, "informational \(hex(messageID)) to \(sa.remote) got no answer after its retransmissions")
            return
        }
        dpd.outstanding = nil
        dpd.result = .failed
        dpd.resultTime = now
        sa.dpd = dpd
        statistics.dpdDeadPeers += 1
        log(.warning, .phase1, "peer \(sa.remote) is dead: no R-U-THERE-ACK after \(settings.dpdRetries) retransmissions; its SAs are deleted")
        for (ourSPI, pair) in ipsecSAs.pairs(with: sa.remote.address) {
            announceDelete(pair)
            removeIPsecSAs(ourSPI)
        }
        deletePhase1(sa, notify: true)
    }

    /// The kernel's inbound byte counters of the SA's IPsec pairs (nil without counters).
    private func inboundBytes(of sa: Phase1SA) -> UInt64? {
        guard let kernel else { return nil }
        var total: UInt64 = 0
        for (_, pair) in ipsecSAs.pairs(with: sa.remote.address) where pair.phase1 == sa.handle {
            guard let bytes = kernel.bytesCarried(spi: pair.inbound.spi, protocolID: pair.inbound.protocolID, destination: pair.inbound.destination) else { return nil }
            total &+= bytes
        }
        return total
    }
}
