import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// Main Mode with pre-shared keys (RFC 2409 §5.4), both roles:
///
///     HDR, SA                 -->
///                             <--  HDR, SA
///     HDR, KE, Ni             -->
///                             <--  HDR, KE, Nr
///     HDR*, IDii, HASH_I      -->
///                             <--  HDR*, IDir, HASH_R
extension IKEEngine {
    // MARK: Initiator

    /// Starts Main Mode towards `remote` under `rule`; the acquire waits for it.
    func startMainMode(rule: IKERule, local: Endpoint, remote: Endpoint, waiting request: AcquireRequest) {
        let transforms = settings.transforms(for: rule)
        guard !transforms.isEmpty else {
            statistics.countPhase1Failure(initiator: true, .noProposal)
            log(.warning, .proposal, "rule \"\(rule.label)\" has no transform with an implemented auth_method; nothing to offer \(remote)")
            return
        }
        let cookie = makeCookie(peer: remote)
        let sa = makePhase1SA(role: .initiator, initiatorCookie: cookie, responderCookie: .zero, local: local, remote: remote, rule: rule, state: .initiatorSentSA)
        sa.waiting.append(request)
        let offer = Phase1Proposal.payload(for: transforms, defaultLifetime: settings.phase1Lifetime)
        let saPayload = Payload(.securityAssociation(offer))
        sa.initiatorSABody = saPayload.body
        register(sa)
        statistics.phase1AttemptedInitiator += 1
        let message = ISAKMPMessage(header: sa.header(.identityProtection), body: .payloads([saPayload] + contributions(for: .mm1, on: sa)))
        let bytes = message.encoded()
        sa.mainMode.sent(bytes, at: now, settings: settings)
        send(bytes, from: local, to: remote)
        // Each offered transform may use another group; the key is made for the first, and again if
        // the responder picks another.
        if let group = transforms.first?.group {
            sa.keyGroupRequested = group
            compute(.generateKey(group), then: .phase1Key(sa.handle))
        }
        log(.info, .phase1, "initiating Main Mode to \(remote) (rule \"\(rule.label)\", \(transforms.count) transforms)")
    }


    // MARK: Responder

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
        let acceptable = settings.transforms(for: rule)
        guard let (chosen, negotiated) = Phase1Proposal.select(from: offer, acceptable: acceptable, ourLifetime: settings.phase1Lifetime) else {
            statistics.countPhase1Failure(initiator: false, .noProposal)
            log(.warning, .proposal, "no acceptable Phase 1 transform from \(datagram.remote) for rule \"\(rule.label)\"")
            refuseMainMode(.noProposalChosen, message, datagram)
            return
        }
        guard makeRoomForHalfOpen(from: datagram.remote.address) else {
            statistics.halfOpenRefused += 1
            return
        }
        let sa = makePhase1SA(role: .responder, initiatorCookie: message.header.initiatorCookie, responderCookie: makeCookie(peer: datagram.remote),
                              local: datagram.local, remote: datagram.remote, rule: rule, state: .responderSentSA)
        halfOpenSAs.admit(sa.handle, from: sa.remote.address)
        sa.negotiated = negotiated
        sa.shortenedLifetime = (Phase1Proposal.parse(chosen, ourLifetime: settings.phase1Lifetime)?.lifetimeSeconds ?? 0) > negotiated.lifetimeSeconds
        sa.initiatorSABody = saPayload.body
        register(sa)
        halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: datagram.remote)] = sa.handle
        // The answer is the chosen transform as offered, in a proposal with the offer's number.
        guard let proposal = offer.proposals.first(where: { $0.transforms.contains(chosen) }) else { return }
        let answer = SecurityAssociationPayload(doi: offer.doi, situation: offer.situation,
                                                proposals: [ProposalPayload(number: proposal.number, protocolID: .isakmp, spi: proposal.spi, transforms: [chosen])])
        contributorsReceived(message.payloads, in: .mm1, on: sa)
        let reply = ISAKMPMessage(header: sa.header(.identityProtection), body: .payloads([Payload(.securityAssociation(answer))] + contributions(for: .mm2, on: sa))).encoded()
        sa.mainMode.received(datagram.bytes, answer: reply)
        send(reply, from: sa.local, to: sa.remote)
        // No Diffie-Hellman yet: the key is made when MM3 shows the peer receives at its address.
        // Nor a log record: an unauthenticated MM1 must cost as little as possible (a flood of them
        // would flood the log too); the negotiation is logged when MM3 arrives and when it ends.
    }

    /// Whether a new half-open responder SA from `peer` fits the limits, after dropping the oldest
    /// one that never answered MM2 (that peer's, or anyone's at the global limit) if needed.
    private func makeRoomForHalfOpen(from peer: IPAddress) -> Bool {
        let limits = settings.halfOpenLimits
        // Reads the table at call time (a captured copy of it would be copied whole on the next removal).
        let unanswered: (SAHandle) -> Bool = { [unowned self] handle in self.phase1[handle]?.state == .responderSentSA }
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

    // MARK: Both

    func mainMode(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        if sa.mainMode.isRepeat(datagram.bytes) {
            repeatOrDrop(datagram, slot: sa.mainMode, sa: sa)
            return
        }
        switch (sa.role, sa.state) {
        case (.initiator, .initiatorSentSA): initiatorReceivedSA(message, datagram, sa)
        case (.initiator, .initiatorSentKE): initiatorReceivedKE(message, datagram, sa)
        case (.initiator, .initiatorSentAuth): initiatorReceivedAuth(message, datagram, sa)
        case (.responder, .responderSentSA): responderReceivedKE(message, datagram, sa)
        case (.responder, .responderSentKE): responderReceivedAuth(message, datagram, sa)
        case (.initiator, .initiatorComputing), (.responder, .responderComputing):
            statistics.unexpectedDropped += 1 // busy; the peer will retransmit
        case (.responder, .established), (.initiator, .established):
            statistics.unexpectedDropped += 1
        case (_, .dead), (.initiator, _), (.responder, _):
            statistics.unexpectedDropped += 1
        }
    }

    private func initiatorReceivedSA(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        if let notify = clearNotify(message) {
            failPhase1(sa, .peerRefused, "peer refused Main Mode: \(notify)")
            return
        }
        if case .securityAssociation(let answer)? = message.first(.securityAssociation)?.content, let error = Phase1Proposal.checkSyntax(answer) {
            statistics.malformedDropped += 1
            failPhase1(sa, .malformed, "the responder's answer: \(error)")
            return
        }
        guard case .securityAssociation(let answer)? = message.first(.securityAssociation)?.content,
              answer.proposals.count == 1, let transform = answer.proposals.first?.transforms.first, answer.proposals.first?.transforms.count == 1,
              let negotiated = Phase1Proposal.parse(transform, ourLifetime: settings.phase1Lifetime),
              settings.transforms(for: sa.rule).contains(where: { Phase1Proposal.allows($0, negotiated) })
        else {
            // A responder may only pick one of our transforms (RFC 2408 §4.2).
            failPhase1(sa, .noProposal, "responder chose a transform we did not offer")
            return
        }
        sa.negotiated = negotiated
        sa.mainMode.answered()
        sa.mainMode.received(datagram.bytes, answer: nil)
        contributorsReceived(message.payloads, in: .mm2, on: sa)
        if let key = sa.ourKey, key.group == negotiated.group {
            sendMainMode3(sa)
            return
        }
        sa.waitingForKey = true
        if sa.keyGroupRequested != negotiated.group {
            sa.ourKey = nil
            sa.keyGroupRequested = negotiated.group
            compute(.generateKey(negotiated.group), then: .phase1Key(sa.handle))
        }
    }

    private func sendMainMode3(_ sa: Phase1SA) {
        guard let key = sa.ourKey else { return }
        sa.waitingForKey = false
        sa.initiatorNonce = random.bytes(settings.phase1NonceLength)
        let message = ISAKMPMessage(header: sa.header(.identityProtection), body: .payloads([
            Payload(.keyExchange(key.publicValue)), Payload(.nonce(sa.initiatorNonce)),
        ]))
        let bytes = message.encoded()
        sa.state = .initiatorSentKE
        sa.mainMode.sent(bytes, at: now, settings: settings)
        send(bytes, from: sa.local, to: sa.remote)
    }

    private func initiatorReceivedKE(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        guard case .keyExchange(let ke)? = message.first(.keyExchange)?.content, case .nonce(let nonce)? = message.first(.nonce)?.content,
              let key = sa.ourKey
        else {
            statistics.unexpectedDropped += 1
            return
        }
        guard chooseAuthenticator(sa) else { return }
        sa.peerPublicValue = ke
        sa.responderNonce = nonce
        sa.mainMode.answered()
        sa.mainMode.received(datagram.bytes, answer: nil)
        sa.state = .initiatorComputing
        compute(.agree(key, peerPublicValue: ke), then: .phase1Secret(sa.handle))
    }

    private func responderReceivedKE(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        guard case .keyExchange(let ke)? = message.first(.keyExchange)?.content, case .nonce(let nonce)? = message.first(.nonce)?.content else {
            statistics.unexpectedDropped += 1
            return
        }
        guard let group = sa.negotiated?.group else { return }
        guard unauthenticatedComputations.count < settings.halfOpenLimits.unauthenticatedComputations else {
            // Not recorded as received: the peer's retransmission is handled as new.
            statistics.unauthenticatedComputeDeferred += 1
            return
        }
        guard chooseAuthenticator(sa) else {
            sendClearNotify(.authenticationFailed, cookies: sa.cookies, local: sa.local, remote: sa.remote)
            return
        }
        sa.peerPublicValue = ke
        sa.initiatorNonce = nonce
        // Nr is chosen now: SKEYID needs it as soon as g^xy is known.
        sa.responderNonce = random.bytes(settings.phase1NonceLength)
        sa.mainMode.received(datagram.bytes, answer: nil)
        sa.state = .responderComputing
        compute(.generateAndAgree(group, peerPublicValue: ke), then: .phase1Secret(sa.handle), priority: .unauthenticated)
        if let negotiated = sa.negotiated {
            log(.info, .phase1, "Main Mode from \(sa.remote): rule \"\(sa.rule.label)\", \(describe(negotiated))")
        }
    }

    /// A DH key or g^xy for Main Mode is ready.
    func mainModeComputed(_ sa: Phase1SA, _ result: ComputeResult) {
        switch result {
        case .failed(let error):
            if sa.state == .initiatorComputing || sa.state == .responderComputing {
                // Agreement fails on the peer's public value (out of range, not on the curve): its
                // error, INVALID-KEY-INFORMATION (RFC 2408 §5.7), not ours.
                if sa.role == .responder { sendClearNotify(.invalidKeyInformation, cookies: sa.cookies, local: sa.local, remote: sa.remote) }
                failPhase1(sa, .invalidKeyExchange, "the peer's key exchange value is unusable: \(error)")
            } else {
                failPhase1(sa, .localError, "Diffie-Hellman key generation failed: \(error)")
            }
        case .key(let key):
            guard key.group == sa.keyGroupRequested else { return } // superseded by a request for another group
            sa.ourKey = key
            if sa.role == .initiator, sa.waitingForKey, sa.negotiated?.group == key.group { sendMainMode3(sa) }
        case .keyAndSecret(let key, let secret):
            guard sa.state == .initiatorComputing || sa.state == .responderComputing else { return }
            sa.ourKey = key
            guard deriveKeys(sa, sharedSecret: secret) else { return }
            if sa.role == .initiator {
                sendMainMode5(sa)
            } else {
                sendMainMode4(sa)
            }
        }
    }

    private func deriveKeys(_ sa: Phase1SA, sharedSecret: SecretBytes) -> Bool {
        guard let negotiated = sa.negotiated, let authenticator = sa.authenticator else { return false }
        do {
            let keys = try Phase1KeySchedule(
                method: authenticator.keyMethod, hash: negotiated.hash, sharedSecret: sharedSecret,
                initiatorCookie: sa.initiatorCookie.bytes, responderCookie: sa.responderCookie.bytes,
                initiatorNonce: sa.initiatorNonce, responderNonce: sa.responderNonce, encryptionKeyLength: negotiated.keyLength)
            let cipher = try CBCCipher(negotiated.encryption, keyLength: negotiated.keyLength)
            sa.keys = keys
            sa.protection = MessageProtection(
                cipher: cipher, key: keys.encryptionKey,
                ivs: IVChain(digest: keys.digest, blockSize: cipher.blockSize, initiatorPublic: sa.initiatorPublic, responderPublic: sa.responderPublic))
            return true
        } catch {
            failPhase1(sa, .localError, "key derivation failed: \(error)")
            return false
        }
    }

    private func sendMainMode4(_ sa: Phase1SA) {
        guard let key = sa.ourKey else { return }
        let message = ISAKMPMessage(header: sa.header(.identityProtection), body: .payloads([
            Payload(.keyExchange(key.publicValue)), Payload(.nonce(sa.responderNonce)),
        ]))
        let bytes = message.encoded()
        sa.mainMode.lastAnswer = bytes
        sa.state = .responderSentKE
        send(bytes, from: sa.local, to: sa.remote)
    }

    private func sendMainMode5(_ sa: Phase1SA) {
        guard let keys = sa.keys, var protection = sa.protection, let authenticator = sa.authenticator else { return }
        let id = ourIdentity(sa)
        let payloads = [id] + authenticator.proof(proofContext(sa, keys, prover: .initiator, idBody: id.body)) + contributions(for: .mm5, on: sa)
        let bytes = protection.seal(sa.header(.identityProtection), payloads)
        sa.protection = protection
        sa.state = .initiatorSentAuth
        sa.mainMode.sent(bytes, at: now, settings: settings)
        send(bytes, from: sa.local, to: sa.remote)
    }

    private func responderReceivedAuth(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        guard var protection = sa.protection, let keys = sa.keys, let authenticator = sa.authenticator else { return }
        let payloads: [Payload]
        do {
            payloads = try protection.open(message)
        } catch {
            // MM5 is the first message under the new keys: garbage after decryption means the keys
            // differ (a corrupted datagram would have failed the UDP checksum).
            statistics.authenticationDropped += 1
            sendClearNotify(.payloadMalformed, cookies: sa.cookies, local: sa.local, remote: sa.remote)
            failPhase1(sa, .authentication, "MM5 from \(sa.remote) does not decrypt to payloads: the pre-shared keys differ (\(error))")
            return
        }
        guard let id = payloads.first(where: { $0.type == .identification }) else {
            statistics.authenticationDropped += 1
            return
        }
        guard peerProofVerified(payloads, id, sa, keys, authenticator, prover: .initiator, failing: {
            sendClearNotify(.authenticationFailed, cookies: sa.cookies, local: sa.local, remote: sa.remote)
        }) else { return }
        guard case .identification(let identity) = id.content, authenticator.accepts(identity, local: sa.local, remote: sa.remote) else {
            sendClearNotify(.invalidIDInformation, cookies: sa.cookies, local: sa.local, remote: sa.remote)
            failPhase1(sa, .identity, "the peer's identity does not match its address \(sa.remote.address)")
            return
        }
        protection.accept(message)
        let ourID = ourIdentity(sa)
        contributorsReceived(payloads, in: .mm5, on: sa)
        let reply = protection.seal(sa.header(.identityProtection),
                                    [ourID] + authenticator.proof(proofContext(sa, keys, prover: .responder, idBody: ourID.body)) + contributions(for: .mm6, on: sa))
        sa.protection = protection
        sa.mainMode.received(datagram.bytes, answer: reply)
        send(reply, from: sa.local, to: sa.remote)
        establish(sa)
    }

    private func initiatorReceivedAuth(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        if let notify = clearNotify(message) {
            failPhase1(sa, .peerRefused, "peer refused authentication: \(notify)")
            return
        }
        guard var protection = sa.protection, let keys = sa.keys, let authenticator = sa.authenticator else { return }
        guard let payloads = try? protection.open(message), let id = payloads.first(where: { $0.type == .identification }) else {
            statistics.authenticationDropped += 1
            return
        }
        // An initiator that cannot authenticate the responder deletes rather than notifies (STYLE §3.6).
        guard peerProofVerified(payloads, id, sa, keys, authenticator, prover: .responder, failing: {}) else { return }
        guard case .identification(let identity) = id.content, authenticator.accepts(identity, local: sa.local, remote: sa.remote) else {
            failPhase1(sa, .identity, "the responder's identity does not match its address \(sa.remote.address)")
            return
        }
        protection.accept(message)
        sa.protection = protection
        sa.mainMode.answered()
        sa.mainMode.received(datagram.bytes, answer: nil)
        contributorsReceived(payloads, in: .mm6, on: sa)
        establish(sa)
    }

    // MARK: Shared pieces

    /// The ID payload we present: our IKE address (local_id_type ip is what pre-shared rules use).
    func ourIdentity(_ sa: Phase1SA) -> Payload {
        let type: IdentificationType = sa.local.address.isIPv4 ? .ipv4Address : .ipv6Address
        return Payload(.identification(IdentificationPayload(idType: type, protocolID: 0, port: 0, data: sa.local.address.bytes)))
    }

    /// The authenticator for the negotiated method; false (the failure counted) when there is none:
    /// no key for the pair, or a method without an implementation.
    func chooseAuthenticator(_ sa: Phase1SA) -> Bool {
        guard let method = sa.negotiated?.authenticationMethod else { return false }
        switch Phase1Authenticators.make(method, local: sa.local, remote: sa.remote, settings: settings) {
        case .success(let authenticator):
            sa.authenticator = authenticator
            return true
        case .failure(.missingKey):
            failPhase1(sa, .missingKey, "no pre-shared key for \(sa.local.address) -> \(sa.remote.address) in ike.preshared")
        case .failure(.notImplemented):
            failPhase1(sa, .noProposal, "\(method) authentication is not implemented")
        }
        return false
    }

    /// Checks the peer's proof in its MM5 (`prover` initiator) or MM6; on a proof that does not verify
    /// `failing` runs (the responder's notify) and the Phase 1 fails. False when the message goes no
    /// further (a message without a proof is only dropped: it may be a corrupted retransmission).
    private func peerProofVerified(_ payloads: [Payload], _ id: Payload, _ sa: Phase1SA, _ keys: Phase1KeySchedule, _ authenticator: any Phase1Authenticator,
                                   prover: Phase1SA.Role, failing: () -> Void) -> Bool {
        switch authenticator.verify(payloads, proofContext(sa, keys, prover: prover, idBody: id.body)) {
        case .verified:
            return true
        case .missing:
            statistics.authenticationDropped += 1
            return false
        case .failed:
            statistics.authenticationDropped += 1
            failing()
            let message = prover == .initiator ? "MM5" : "MM6"
            failPhase1(sa, .authentication, "the proof in \(message) from \(sa.remote) does not verify (\(authenticator.method)): the keys differ")
            return false
        }
    }

    func proofContext(_ sa: Phase1SA, _ keys: Phase1KeySchedule, prover: Phase1SA.Role, idBody: [UInt8]) -> Phase1ProofContext {
        Phase1ProofContext(prover: prover, keys: keys, initiatorPublic: sa.initiatorPublic, responderPublic: sa.responderPublic,
                           saBody: sa.initiatorSABody, idBody: idBody)
    }

    /// A notify in a cleartext message (the peer's refusal before Phase 1 completes).
    func clearNotify(_ message: ISAKMPMessage) -> NotifyMessageType? {
        guard message.header.exchangeType == .informational || !message.header.flags.contains(.encryption) else { return nil }
        for payload in message.payloads {
            if case .notification(let notify) = payload.content, notify.type.isError { return notify.type }
        }
        return nil
    }

    func isFirstContact(with peer: IPAddress, except sa: Phase1SA) -> Bool {
        !phase1.with(peer: peer).contains { $0 !== sa && $0.isEstablished }
    }

    func establish(_ sa: Phase1SA) {
        guard let negotiated = sa.negotiated else { return }
        sa.state = .established
        sa.established = now
        sa.lastHeard = now
        sa.deadlines[.negotiationExpiry] = nil
        sa.deadlines[.lifetime] = now.adding(seconds: Double(negotiated.lifetimeSeconds))
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
        log(.info, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) established with \(sa.remote) as \(sa.role.rawValue): \(describe(negotiated))")
        if sa.role == .responder, sa.shortenedLifetime {
            // RESPONDER-LIFETIME waits for the peer's first protected message (or a moment): a peer
            // that handles datagrams in parallel (charon) could read it before MM6 and fail its IV.
            sa.deadlines[.responderLifetime] = now.adding(seconds: Self.responderLifetimeDelay)
        }
        // INITIAL-CONTACT, now authenticated: the peer's earlier SAs with us are stale.
        if sa.peerSentInitialContact { forgetEarlierSAs(of: sa) }
        let waiting = sa.waiting
        sa.waiting = []
        for request in waiting { startQuickMode(sa, request: request) }
    }

    func describe(_ negotiated: NegotiatedPhase1) -> String {
        let cipher = negotiated.encryption == .aesCBC || negotiated.encryption == .blowfishCBC
            ? "\(negotiated.encryption)-\(negotiated.keyLength * 8)" : negotiated.encryption.description
        return "\(cipher)/\(negotiated.hash)/\(negotiated.group), \(negotiated.lifetimeSeconds) s"
    }

    func failPhase1(_ sa: Phase1SA, _ kind: Phase1FailureReason, _ reason: String) {
        guard sa.state != .dead else { return }
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
        phase1.remove(sa)
        halfOpenSAs.leave(sa.handle)
        if halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: sa.remote)] == sa.handle {
            halfOpen[HalfOpenKey(initiatorCookie: sa.initiatorCookie, peer: sa.remote)] = nil
        }
        for exchange in sa.quickModes.values { pendingSPIs.remove(exchange.ourSPI) }
        // Results of its compute jobs find no SA by their handle and are dropped on arrival.
    }
}
