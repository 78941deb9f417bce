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

    /// A Phase 1 SA's due timers: its exchanges' retransmissions (the driver's, for every exchange
    /// alike), expire_timer, its lifetime, the owed RESPONDER-LIFETIME, then its Quick Modes' expiry.
    private func phase1Due(_ sa: Phase1SA) {
        guard !sa.isDead else { return }
        for (exchange, due) in sa.driver.due(at: now, settings: settings) {
            switch due {
            case .nothing:
                continue
            case .resend(let bytes):
                statistics.retransmissions += 1
                send(bytes, on: sa)
            case .giveUp:
                retryLimitSpent(exchange, on: sa)
                guard !sa.isDead else { return }
            }
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
            case .deadPeerDetection:
                deadPeerDetectionDue(sa)
                guard !sa.isDead else { return }
            case .natKeepalive:
                natKeepaliveDue(sa)
            }
        }
        for exchange in Array(sa.quickModes.values) where !exchange.isFinished {
            for timer in exchange.deadlines.due(at: now) {
                switch timer {
                case .expiry: failQuickMode(sa, exchange, "not complete after expire_timer")
                }
            }
        }
    }

    /// An exchange got no answer after retry_limit retransmissions.
    private func retryLimitSpent(_ exchange: ExchangeKey, on sa: Phase1SA) {
        switch exchange {
        case .mainMode:
            if sa.role == .initiator { statistics.phase1InitiatorTimeouts += 1 }
            failPhase1(sa, .timeout, "no answer after \(settings.retryLimit) retransmissions")
        case .quickMode(let id):
            if let quickMode = sa.quickModes[id], !quickMode.isFinished { presumePhase1Dead(sa, quickMode) }
        case .informational(let id):
            sa.driver.forget(exchange)
            informationalUnanswered(id, on: sa)
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
}
