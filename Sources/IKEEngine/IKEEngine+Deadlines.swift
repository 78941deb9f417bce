import IPsecTypes

extension IKEEngine {
    /// Everything due at `now`: retransmissions, give-ups, expiries.
    func runDeadlines() {
        refused = refused.filter { $0.value.until > now }
        for sa in Array(phase1.values) where sa.state != .dead {
            switch sa.mainMode.due(at: now, settings: settings) {
            case .nothing: break
            case .resend(let bytes):
                statistics.retransmissions += 1
                send(bytes, from: sa.local, to: sa.remote)
            case .giveUp:
                if sa.role == .initiator { statistics.phase1InitiatorTimeouts += 1 }
                failPhase1(sa, .timeout, "no answer after \(settings.retryLimit) retransmissions")
                continue
            }
            if !sa.isEstablished, sa.created.adding(seconds: settings.expireTimer) <= now {
                failPhase1(sa, .timeout, "not complete after expire_timer (\(Int(settings.expireTimer)) s)")
                continue
            }
            if let expires = sa.expires, expires <= now {
                log(.info, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) with \(sa.remote) reached its lifetime")
                deletePhase1(sa, notify: true)
                continue
            }
            if let due = sa.responderLifetimeDue, due <= now { sendResponderLifetimeIfDue(sa) }
            for exchange in Array(sa.quickModes.values) where exchange.state != .done && exchange.state != .failed {
                switch exchange.slot.due(at: now, settings: settings) {
                case .nothing: break
                case .resend(let bytes):
                    statistics.retransmissions += 1
                    send(bytes, from: sa.local, to: sa.remote)
                case .giveUp:
                    presumePhase1Dead(sa, exchange)
                    continue
                }
                if exchange.created.adding(seconds: settings.expireTimer) <= now {
                    failQuickMode(sa, exchange, "not complete after expire_timer")
                }
            }
        }
        for (ourSPI, pair) in ipsecSAs {
            if let hard = pair.hardDeadline, hard <= now {
                log(.info, .phase2, "IPsec SA \(hex(ourSPI)) with \(pair.peer) reached its hard lifetime")
                announceDelete(pair)
                removeIPsecSAs(ourSPI)
            } else if !pair.rekeyed, let soft = pair.softDeadline, soft <= now {
                rekey(ourSPI)
            } else if let check = pair.idle?.check, check <= now {
                checkIdle(ourSPI)
            }
        }
    }
}
