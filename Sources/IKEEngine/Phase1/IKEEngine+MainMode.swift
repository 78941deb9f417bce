import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// The engine's side of Main Mode: it finds the SA, runs its machine (MainModeInitiator,
/// MainModeResponder) and carries out the actions; the exchange driver does the sending.
extension IKEEngine {
    // MARK: Starting

    /// Starts Main Mode towards `remote` under `rule`; the acquire waits for it.
    func startMainMode(rule: IKERule, local: Endpoint, remote: Endpoint, waiting request: AcquireRequest) {
        let transforms = settings.transforms(for: rule)
        guard !transforms.isEmpty else {
            statistics.countPhase1Failure(initiator: true, .noProposal)
            log(.warning, .proposal, "rule \"\(rule.label)\" has no transform with an implemented auth_method; nothing to offer \(remote)")
            return
        }
        let cookies = CookiePair(initiator: makeCookie(), responder: .zero)
        let (machine, actions) = MainModeInitiator.start(offering: transforms, mainModeContext(cookies, local, remote, rule))
        let sa = makePhase1SA(role: .initiator, cookies: cookies, local: local, remote: remote, rule: rule, mainMode: .initiator(machine))
        sa.waiting.append(request)
        register(sa)
        statistics.phase1AttemptedInitiator += 1
        perform(actions, on: sa, received: nil)
        log(.info, .phase1, "initiating Main Mode to \(remote) (rule \"\(rule.label)\", \(transforms.count) transforms)")
    }

    /// MM1 from a peer without state here. Its offer, the rule and the half-open limits are checked
    /// before any state is made; refusals are remembered for the peer's retransmissions.
    func respondToMainMode1(_ message: ISAKMPMessage, _ datagram: Datagram) {
        statistics.phase1AttemptedResponder += 1
        guard let saPayload = message.first(.securityAssociation), case .securityAssociation(let offer) = saPayload.content else {
            statistics.countPhase1Failure(initiator: false, .malformed)
            statistics.malformedDropped += 1
            return
        }
        if let error = Phase1Proposal.checkSyntax(offer) {
            statistics.countPhase1Failure(initiator: false, .malformed)
            statistics.malformedDropped += 1
            log(.warning, .proposal, "Main Mode from \(datagram.remote): \(error)")
            refuseMainMode(.badProposalSyntax, message, datagram)
            return
        }
        guard let rule = settings.rules.rule(local: datagram.local.address, remote: datagram.remote.address) else {
            statistics.countPhase1Failure(initiator: false, .noRule)
            log(.warning, .policy, "no ike.config rule for \(datagram.local.address) <- \(datagram.remote.address); refusing Main Mode")
            refuseMainMode(.noProposalChosen, message, datagram)
            return
        }
        guard let (chosen, negotiated) = Phase1Proposal.select(from: offer, acceptable: settings.transforms(for: rule), ourLifetime: settings.phase1Lifetime) else {
            statistics.countPhase1Failure(initiator: false, .noProposal)
            log(.warning, .proposal, "no acceptable Phase 1 transform from \(datagram.remote) for rule \"\(rule.label)\"")
            refuseMainMode(.noProposalChosen, message, datagram)
            return
        }
        guard makeRoomForHalfOpen(from: datagram.remote.address) else {
            statistics.halfOpenRefused += 1
            return
        }
        let cookies = CookiePair(initiator: message.header.initiatorCookie, responder: makeCookie())
        let shortened = (Phase1Proposal.parse(chosen, ourLifetime: settings.phase1Lifetime)?.lifetimeSeconds ?? 0) > negotiated.lifetimeSeconds
        let (machine, actions) = MainModeResponder.start(answering: offer, saBody: saPayload.body, chosen: chosen, negotiated: negotiated,
                                                         shortenedLifetime: shortened, mainModeContext(cookies, datagram.local, datagram.remote, rule))
        let sa = makePhase1SA(role: .responder, cookies: cookies, local: datagram.local, remote: datagram.remote, rule: rule, mainMode: .responder(machine))
        halfOpenSAs.admit(sa.handle, from: sa.remote.address)
        register(sa)
        halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: datagram.remote)] = sa.handle
        perform([.accepted(.mm1, message.payloads)] + actions, on: sa, received: (message, datagram))
        // No Diffie-Hellman yet: the key is made when MM3 shows the peer receives at its address.
        // Nor a log record: an unauthenticated MM1 must cost as little as possible (a flood of them
        // would flood the log too); the negotiation is logged when MM3 arrives and when it ends.
    }

    /// Whether a new half-open responder SA from `peer` fits the limits, after dropping the oldest
    /// one that never answered MM2 (that peer's, or anyone's at the global limit) if needed.
    private func makeRoomForHalfOpen(from peer: IPAddress) -> Bool {
        let limits = settings.halfOpenLimits
        // Reads the table at call time (a captured copy of it would be copied whole on the next removal).
        let unanswered: (SAHandle) -> Bool = { [unowned self] handle in
            guard case .negotiating(.responder(let machine))? = self.phase1[handle]?.state else { return false }
            return machine.awaitsKeyExchange
        }
        if halfOpenSAs.count(from: peer) >= limits.perPeer {
            guard let oldest = halfOpenSAs.oldest(from: peer, where: unanswered), let sa = phase1[oldest] else { return false }
            evictHalfOpen(sa)
        }
        if halfOpenSAs.count >= limits.global {
            guard let oldest = halfOpenSAs.oldest(where: unanswered), let sa = phase1[oldest] else { return false }
            evictHalfOpen(sa)
        }
        return true
    }

    /// Counted (get stats), not logged: evictions come in floods.
    private func evictHalfOpen(_ sa: Phase1SA) {
        statistics.halfOpenEvicted += 1
        removePhase1(sa)
    }

    // MARK: Running the machine

    /// A Main Mode message for an SA we hold (the driver has seen it is not a repeat).
    func mainMode(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        guard case .negotiating = sa.state else {
            // Main Mode is over on this SA: a late or forged message.
            statistics.unexpectedDropped += 1
            return
        }
        step(sa, .message(message), received: (message, datagram))
    }

    /// A Diffie-Hellman result for the SA's Main Mode.
    func mainModeComputed(_ sa: Phase1SA, _ result: ComputeResult) {
        step(sa, .computed(result), received: nil)
    }

    private func step(_ sa: Phase1SA, _ input: Phase1SA.MainMode.Input, received: (ISAKMPMessage, Datagram)?) {
        guard case .negotiating(var mainMode) = sa.state else { return }
        let actions = mainMode.step(input, mainModeContext(sa))
        sa.state = .negotiating(mainMode)
        perform(actions, on: sa, received: received)
    }

    /// Carries out a step's actions in order; `received` is the datagram the step took, if any.
    private func perform(_ actions: [MainModeAction], on sa: Phase1SA, received input: (ISAKMPMessage, Datagram)?) {
        for action in actions {
            guard !sa.isDead else { return }
            switch action {
            case .awaitsCheck:
                sa.messageAwaitingCheck = input
            case .peerAuthenticated(let peer):
                sa.peerCertificate = peer
                log(.info, .phase1, "\(sa.remote) authenticated with certificate \(peer.subject) (issuer \(peer.issuer))")
            case .accepted(let message, let payloads):
                let taken = input ?? sa.messageAwaitingCheck
                sa.messageAwaitingCheck = nil
                if let (received, datagram) = taken {
                    sa.driver.accepted(datagram.bytes, on: .mainMode)
                    // MM5 and MM6 authenticate: the responder follows the initiator to the NAT-T port.
                    if message == .mm5 || message == .mm6 { followPeer(sa, datagram) }
                    // The responder's accepted MM2 tells us its cookie (a stray message before it
                    // does not); the handle stays.
                    if message == .mm2, sa.responderCookie.isZero {
                        sa.responderCookie = received.header.responderCookie
                        phase1.learnedResponderCookie(sa)
                    }
                }
                contributorsReceived(payloads, in: message, on: sa)
            case .send(let message, let payloads, let delivery, let keying):
                if message == .mm5 || message == .mm6, case .identification(let identity)? = payloads.first?.content { sa.ourIdentity = identity }
                let all = payloads + contributions(for: message, on: sa)
                let header = sa.header(.identityProtection)
                let bytes = keying.map { $0.seal(header, all) } ?? ISAKMPMessage(header: header, body: .payloads(all)).encoded()
                sa.driver.sent(bytes, delivery, on: .mainMode, at: now, settings: settings)
                send(bytes, on: sa)
            case .compute(let job, let priority):
                compute(job, then: .mainMode(sa.handle), priority: priority)
            case .established(let keying):
                establish(sa, keying)
            case .owesResponderLifetime:
                // RESPONDER-LIFETIME waits for the peer's first protected message (or a moment): a peer
                // that handles datagrams in parallel (charon) could read it before MM6 and fail its IV.
                sa.deadlines[.responderLifetime] = now.adding(seconds: Self.responderLifetimeDelay)
            case .failed(let failure):
                if let notify = failure.notify { sendClearNotify(notify, cookies: sa.cookies, local: sa.local, remote: sa.remote) }
                failPhase1(sa, failure.reason, failure.message)
            case .dropped(let reason):
                count(reason, on: sa)
            case .note(let text):
                log(.info, .phase1, text)
            }
        }
    }

    /// Counts a dropped message in `get stats` and the SA's counters.
    func count(_ dropped: Dropped, on sa: Phase1SA) {
        switch dropped {
        case .unexpected:
            statistics.unexpectedDropped += 1
        case .malformed:
            statistics.malformedDropped += 1
        case .authentication:
            statistics.authenticationDropped += 1
        case .decryption:
            statistics.authenticationDropped += 1
            sa.counters.receiveDecryptErrors += 1
        case .hash:
            statistics.authenticationDropped += 1
            sa.counters.receiveHashErrors += 1
        case .computeDeferred:
            statistics.unauthenticatedComputeDeferred += 1
        }
    }

    private func mainModeContext(_ sa: Phase1SA) -> MainModeContext {
        var context = mainModeContext(sa.cookies, sa.local, sa.remote, sa.rule)
        context.peerBehindNAT = sa.natTraversal?.peerBehindNAT ?? false
        return context
    }

    private func mainModeContext(_ cookies: CookiePair, _ local: Endpoint, _ remote: Endpoint, _ rule: IKERule) -> MainModeContext {
        MainModeContext(cookies: cookies, local: local, remote: remote, rule: rule, settings: settings, random: random,
                        unauthenticatedComputeRoom: unauthenticatedComputations.count < settings.halfOpenLimits.unauthenticatedComputations)
    }

    // MARK: Outcomes

    func isFirstContact(with peer: IPAddress, except sa: Phase1SA) -> Bool {
        !phase1.with(peer: peer).contains { $0 !== sa && $0.isEstablished }
    }

    func establish(_ sa: Phase1SA, _ keying: Phase1Keying) {
        sa.state = .established(keying)
        sa.established = now
        sa.lastHeard = now
        sa.deadlines[.negotiationExpiry] = nil
        sa.deadlines[.lifetime] = now.adding(seconds: Double(keying.negotiated.lifetimeSeconds))
        halfOpenSAs.leave(sa.handle)
        halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: sa.remote)] = nil
        if sa.role == .responder { phase1.indexByPeer(sa) }
        if sa.role == .initiator {
            statistics.phase1CurrentInitiator += 1
            statistics.phase1TotalInitiator += 1
        } else {
            statistics.phase1CurrentResponder += 1
            statistics.phase1TotalResponder += 1
        }
        log(.info, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) established with \(sa.remote) as \(sa.role.rawValue): \(keying.negotiated.summary)")
        // INITIAL-CONTACT, now authenticated: the peer's earlier SAs with us are stale.
        if sa.peerSentInitialContact { forgetEarlierSAs(of: sa) }
        startDeadPeerDetection(sa)
        startNATKeepalives(sa)
        let waiting = sa.waiting
        sa.waiting = []
        for request in waiting { startQuickMode(sa, request: request) }
    }

    func failPhase1(_ sa: Phase1SA, _ kind: Phase1FailureReason, _ reason: String) {
        guard !sa.isDead else { return }
        statistics.countPhase1Failure(initiator: sa.role == .initiator, kind)
        log(.warning, .phase1, "Phase 1 with \(sa.remote) failed: \(reason)")
        removePhase1(sa)
    }

    /// Forgets an SA without telling the peer.
    func removePhase1(_ sa: Phase1SA) {
        if sa.isEstablished {
            if sa.role == .initiator { statistics.phase1CurrentInitiator -= 1 } else { statistics.phase1CurrentResponder -= 1 }
        }
        sa.state = .dead
        dropReassembly(of: sa)
        phase1.remove(sa)
        halfOpenSAs.leave(sa.handle)
        if halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: sa.remote)] == sa.handle {
            halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: sa.remote)] = nil
        }
        for exchange in sa.quickModes.values { pendingSPIs.remove(exchange.ourSPI) }
        // Results of its compute jobs find no SA by their handle and are dropped on arrival.
    }
}
