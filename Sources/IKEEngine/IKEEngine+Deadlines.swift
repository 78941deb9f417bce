import IPsecTypes

extension IKEEngine {
    /// Everything due at `now`: the queue gives the owners whose earliest deadline has come, O(log N)
    /// each; only those are looked at. An owner with deadlines left is re-queued by `finishEvent`.
    func runDeadlines() {
        while let owner = deadlineQueue.popDue(at: now) {
            dirty.mark(owner)
            switch owner {
            case .phase1(let handle): if let sa = phase1[handle] { phase1Due(sa) }
            case .ipsec(let ourSPI): ipsecDue(ourSPI)
            case .refusals: refused.expire(at: now)
            }
            finishEvent()
        }
    }

    /// A Phase 1 SA's due timers: Main Mode retransmission or give-up, expire_timer, its lifetime,
    /// the owed RESPONDER-LIFETIME, then its Quick Modes'.
    private func phase1Due(_ sa: Phase1SA) {
        guard sa.state != .dead else { return }
        if retransmitIfDue(&sa.mainMode, on: sa) {
            if sa.role == .initiator { statistics.phase1InitiatorTimeouts += 1 }
            failPhase1(sa, .timeout, "no answer after \(settings.retryLimit) retransmissions")
            return
        }
        for timer in sa.deadlines.due(at: now) {
            switch timer {
            case .negotiationExpiry:
                failPhase1(sa, .timeout, "not complete after expire_timer (\(Int(settings.expireTimer)) s)")
                return
            case .lifetime:
                log(.info, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) with \(sa.remote) reached its lifetime")
                deletePhase1(sa, notify: true)
                return
            case .responderLifetime:
                sendResponderLifetimeIfDue(sa)
            }
        }
        for exchange in Array(sa.quickModes.values) where exchange.state != .done && exchange.state != .failed {
            if retransmitIfDue(&exchange.slot, on: sa) {
                presumePhase1Dead(sa, exchange)
                guard sa.state != .dead else { return }
                continue
            }
            for timer in exchange.deadlines.due(at: now) {
                switch timer {
                case .expiry: failQuickMode(sa, exchange, "not complete after expire_timer")
                }
            }
        }
    }

    /// An IPsec SA pair's due timers: hard lifetime (delete), soft lifetime (rekey, once), idle check.
    private func ipsecDue(_ ourSPI: UInt32) {
        guard let pair = ipsecSAs[ourSPI] else { return }
        for timer in pair.deadlines.due(at: now) {
            switch timer {
            case .hardLifetime:
                log(.info, .phase2, "IPsec SA \(hex(ourSPI)) with \(pair.peer) reached its hard lifetime")
                announceDelete(pair)
                removeIPsecSAs(ourSPI)
                return
            case .softLifetime:
                ipsecSAs[ourSPI]?.deadlines[.softLifetime] = nil
                rekey(ourSPI)
            case .idleCheck:
                checkIdle(ourSPI)
            }
        }
    }

    /// The exchange driver's timer step, the same for every exchange slot (STYLE §3.4): a due request
    /// goes out again with the ike.config backoff; returns true when retry_limit is spent.
    private func retransmitIfDue(_ slot: inout ExchangeSlot, on sa: Phase1SA) -> Bool {
        switch slot.due(at: now, settings: settings) {
        case .nothing:
            return false
        case .resend(let bytes):
            statistics.retransmissions += 1
            send(bytes, from: sa.local, to: sa.remote)
            return false
        case .giveUp:
            return true
        }
    }
}
