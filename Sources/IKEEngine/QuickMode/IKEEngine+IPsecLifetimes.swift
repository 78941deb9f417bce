import IKEConfig
import IPsecTypes

/// The lifetimes of an IPsec SA pair beyond its hard limits: the soft byte limit (p2_softlife_kb)
/// the kernel expires it at for a rekey, and the idle time (p2_idletime_secs) after which a pair
/// that carried nothing is deleted here and at the peer.
extension IKEEngine {
    /// The soft byte limit: p2_softlife_kb in the configured share of p2_lifetime_kb (kept when the
    /// peer shortened the hard limit), or 90 % of the hard limit when no soft one is configured.
    static func softBytes(hard: UInt64, _ phase2: Phase2Settings) -> UInt64 {
        let configuredSoft = UInt64(phase2.softLifetimeKilobytes ?? 0), configuredHard = UInt64(phase2.lifetimeKilobytes ?? 0)
        guard configuredSoft > 0 else { return hard * 9 / 10 }
        guard hard > 0 else { return configuredSoft * 1024 }
        guard configuredHard > 0 else { return min(configuredSoft * 1024, hard) }
        // hard × soft / configured hard, without overflow (hard < 2^42, soft < 2^32).
        let share = hard.multipliedFullWidth(by: configuredSoft)
        let (quotient, _) = configuredHard.dividingFullWidth(share)
        return min(quotient, hard)
    }

    /// p2_idletime_secs: checks the pair's counters; a pair whose counters have not moved for the idle
    /// time is deleted (with a Delete to the peer). Without counters from the kernel, idleness cannot
    /// be seen and the watch ends (logged once).
    func checkIdle(_ ourSPI: UInt32) {
        guard let pair = ipsecSAs[ourSPI], var watch = pair.idle else { return }
        let inbound = kernel?.bytesCarried(spi: pair.inbound.spi, protocolID: pair.inbound.protocolID, destination: pair.inbound.destination)
        let outbound = kernel?.bytesCarried(spi: pair.outbound.spi, protocolID: pair.outbound.protocolID, destination: pair.outbound.destination)
        guard let inbound, let outbound else {
            ipsecSAs[ourSPI]?.idle = nil
            ipsecSAs[ourSPI]?.deadlines[.idleCheck] = nil
            log(.warning, .phase2, "IPsec SA \(hex(ourSPI)): the kernel reports no counters, so p2_idletime_secs cannot be applied to it")
            return
        }
        let total = inbound &+ outbound
        if total != watch.bytes {
            watch.bytes = total
            watch.lastActivity = now
        } else if now.seconds(since: watch.lastActivity) >= Double(watch.seconds) {
            log(.info, .phase2, "IPsec SA \(hex(ourSPI)) with \(pair.peer) carried nothing for \(watch.seconds) s (p2_idletime_secs): deleted")
            statistics.ipsecSAsIdleDeleted += 1
            announceDelete(pair)
            removeIPsecSAs(ourSPI)
            return
        }
        var check = watch.lastActivity.adding(seconds: Double(watch.seconds))
        if check <= now { check = now.adding(seconds: Double(watch.seconds)) }
        ipsecSAs[ourSPI]?.idle = watch
        ipsecSAs[ourSPI]?.deadlines[.idleCheck] = check
    }
}

/// What p2_idletime_secs watches on one SA pair.
struct IdleWatch {
    let seconds: UInt32
    /// The counters' sum at the last look, and when it last changed.
    var bytes: UInt64 = 0
    var lastActivity: EngineInstant

    init(seconds: UInt32, since now: EngineInstant) {
        self.seconds = seconds
        lastActivity = now
    }
}
