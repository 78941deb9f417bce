import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// Quick Mode (RFC 2409 §5.5), both roles, with optional PFS:
///
///     HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr]  -->
///                               <--  HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
///     HDR*, HASH(3)                                -->
extension IKEEngine {
    // MARK: Initiator

    func startQuickMode(_ sa: Phase1SA, request: AcquireRequest) {
        guard let entry = settings.policy(for: request.selector, initiating: true) else {
            statistics.quickModeFailed += 1
            log(.warning, .policy, "no IPsec policy protects \(request.selector); nothing to negotiate")
            return
        }
        let pattern = entry.pattern
        let mode: IPsecMode = pattern.tunnelInterface != nil ? .tunnel : .transport
        var selector = request.selector
        if mode == .tunnel {
            selector.local = pattern.localAddress?.range ?? selector.local
            selector.remote = pattern.remoteAddress?.range ?? selector.remote
        }
        selector.upperProtocol = pattern.upperProtocol ?? selector.upperProtocol
        selector.localPort = pattern.localPort ?? selector.localPort
        selector.remotePort = pattern.remotePort ?? selector.remotePort
        let phase2 = settings.configuration.effectivePhase2(for: sa.rule)
        let pfs = phase2.pfsGroup.flatMap { $0.rawValue == 0 ? nil : $0 }
        // Every proposal carries the same SPI, allocated for the protocol preferred first.
        let preferred: SecurityProtocol = entry.actions.first { $0.kind.protects }.map { $0.encryptionAlgorithms.isEmpty ? .ah : .esp } ?? .esp
        guard let ourSPI = makeSPI(preferred, for: sa) else {
            statistics.quickModeFailed += 1
            return
        }
        let exchange = QuickModeExchange(on: sa, messageID: makeMessageID(for: sa), role: .initiator, state: .initiatorSentProposal, now: now,
                                         expireTimer: settings.expireTimer,
                                         selector: selector, mode: mode, ourSPI: ourSPI, request: request)
        exchange.pfsGroup = pfs
        exchange.offer = Phase2Proposal.offer(
            for: entry.actions,
            terms: .init(mode: mode, pfsGroup: pfs, lifetimeSeconds: phase2.lifetimeSeconds ?? 3600, lifetimeKilobytes: phase2.lifetimeKilobytes ?? 0),
            spi: exchange.ourSPI)
        sa.quickModes[exchange.messageID] = exchange
        if let pfs {
            exchange.state = .initiatorComputingKey
            compute(.generateKey(pfs), then: .quickModeKey(sa.handle, exchange.messageID))
        } else {
            sendQuickMode1(sa, exchange)
        }
    }

    private func sendQuickMode1(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        guard let offer = exchange.offer, let keys = sa.keys, var protection = sa.protection else { return }
        exchange.initiatorNonce = random.bytes(settings.phase2NonceLength)
        var payloads = [Payload(.securityAssociation(offer)), Payload(.nonce(exchange.initiatorNonce))]
        if let key = exchange.ourKey { payloads.append(Payload(.keyExchange(key.publicValue))) }
        exchange.identities = [
            TrafficIdentity.payload(exchange.selector.local, upperProtocol: exchange.selector.upperProtocol, port: exchange.selector.localPort),
            TrafficIdentity.payload(exchange.selector.remote, upperProtocol: exchange.selector.upperProtocol, port: exchange.selector.remotePort),
        ]
        payloads += exchange.identities
        let hash = Phase2Keying(keys).hash1(messageID: exchange.messageID, rest: PayloadChain.encode(payloads))
        let bytes = protection.seal(sa.header(.quickMode, messageID: exchange.messageID), [Payload(.hash(hash))] + payloads)
        sa.protection = protection
        exchange.state = .initiatorSentProposal
        exchange.slot.sent(bytes, at: now, settings: settings)
        send(bytes, from: sa.local, to: sa.remote)
        log(.info, .phase2, "Quick Mode \(hex(exchange.messageID)) to \(sa.remote) for \(exchange.selector) (\(exchange.mode.rawValue)\(exchange.pfsGroup.map { ", PFS \($0)" } ?? ""))")
    }

    // MARK: Receiving

    func quickMode(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        guard sa.isEstablished, var protection = sa.protection, let keys = sa.keys else {
            statistics.unexpectedDropped += 1
            return
        }
        let id = message.header.messageID
        if let exchange = sa.quickModes[id], exchange.slot.isRepeat(datagram.bytes) {
            repeatOrDrop(datagram, slot: exchange.slot, sa: sa)
            return
        }
        let payloads: [Payload]
        do {
            payloads = try protection.open(message)
        } catch {
            statistics.authenticationDropped += 1
            sa.counters.receiveDecryptErrors += 1
            return
        }
        guard case .hash(let hash)? = payloads.first?.content else {
            statistics.authenticationDropped += 1
            sa.counters.receiveHashErrors += 1
            return
        }
        let rest = PayloadChain.encode(Array(payloads.dropFirst()))
        let keying = Phase2Keying(keys)
        if let exchange = sa.quickModes[id] {
            switch (exchange.role, exchange.state) {
            case (.initiator, .initiatorSentProposal):
                guard constantTimeEquals(hash, keying.hash2(messageID: id, initiatorNonce: exchange.initiatorNonce, rest: rest)) else {
                    statistics.authenticationDropped += 1
                    sa.counters.receiveHashErrors += 1
                    return
                }
                protection.accept(message)
                sa.protection = protection
                heardFrom(sa)
                exchange.slot.answered()
                exchange.awaitingConnected = message.header.flags.contains(.commit)
                initiatorReceivedQuickMode2(sa, exchange, payloads, datagram)
            case (.responder, .responderSentProposal):
                guard constantTimeEquals(hash, keying.hash3(messageID: id, initiatorNonce: exchange.initiatorNonce, responderNonce: exchange.responderNonce)) else {
                    statistics.authenticationDropped += 1
                    sa.counters.receiveHashErrors += 1
                    return
                }
                protection.accept(message)
                sa.protection = protection
                heardFrom(sa)
                exchange.slot.answered()
                exchange.slot.received(datagram.bytes, answer: nil)
                installSAs(sa, exchange)
                if exchange.commitRequested { sendInformational(sa, [Payload(.notification(NotificationPayload(protocolID: .esp, type: .connected, spi: exchange.ourSPI.bigEndianBytes)))]) }
            default:
                statistics.unexpectedDropped += 1
                sa.counters.receiveOtherErrors += 1
            }
            return
        }
        // A new exchange: it must verify as a QM1 before any state is made for it.
        guard constantTimeEquals(hash, keying.hash1(messageID: id, rest: rest)) else {
            statistics.authenticationDropped += 1
            sa.counters.receiveHashErrors += 1
            log(.warning, .phase2, "Quick Mode \(hex(id)) from \(sa.remote): HASH(1) does not verify")
            return
        }
        // One Phase 1 SA runs a bounded number of Quick Modes at once: a peer cannot make us hold (and
        // compute for) any number of them. Past it the QM1 is dropped and the peer retransmits.
        guard sa.quickModes.values.lazy.filter({ $0.state != .done && $0.state != .failed }).count < Self.maximumQuickModesInFlight else {
            statistics.quickModeBusyDropped += 1
            return
        }
        protection.accept(message)
        sa.protection = protection
        heardFrom(sa)
        sa.messageIDs.insert(id)
        responderReceivedQuickMode1(sa, message, payloads, datagram)
    }

    private func responderReceivedQuickMode1(_ sa: Phase1SA, _ message: ISAKMPMessage, _ payloads: [Payload], _ datagram: Datagram) {
        let id = message.header.messageID
        guard case .securityAssociation(let offer)? = payloads.first(where: { $0.type == .securityAssociation })?.content,
              case .nonce(let nonce)? = payloads.first(where: { $0.type == .nonce })?.content
        else {
            refuseQuickMode(sa, .payloadMalformed, "Quick Mode \(hex(id)) without SA or nonce")
            return
        }
        if let wrong = offer.proposals.first(where: { $0.protocolID == .isakmp }) {
            // Quick Mode negotiates IPsec SAs: an ISAKMP proposal here is a contradiction (RFC 2409 §5.5).
            refuseQuickMode(sa, .badProposalSyntax, "Quick Mode \(hex(id)) from \(sa.remote): proposal #\(wrong.number) is for PROTO_ISAKMP")
            return
        }
        let identities = payloads.filter { $0.type == .identification }
        var selector = TrafficSelector(local: AddressRange(sa.local.address), remote: AddressRange(sa.remote.address))
        if identities.count == 2 {
            guard case .identification(let idci) = identities[0].content, case .identification(let idcr) = identities[1].content,
                  let initiatorSide = TrafficIdentity.parse(idci), let responderSide = TrafficIdentity.parse(idcr),
                  initiatorSide.upperProtocol == responderSide.upperProtocol
            else {
                refuseQuickMode(sa, .invalidIDInformation, "Quick Mode \(hex(id)): client identities are not addresses")
                return
            }
            selector = TrafficSelector(local: responderSide.range, remote: initiatorSide.range, upperProtocol: idci.protocolID, localPort: responderSide.port, remotePort: initiatorSide.port)
        } else if !identities.isEmpty {
            refuseQuickMode(sa, .invalidIDInformation, "Quick Mode \(hex(id)) with \(identities.count) identities")
            return
        }
        // The "inverse acquire": the policy that covers what the peer proposes decides what we accept.
        guard let entry = settings.policy(for: selector, initiating: false) else {
            refuseQuickMode(sa, .invalidIDInformation, "no IPsec policy covers \(selector) proposed by \(sa.remote)")
            return
        }
        // And the kernel's inbound policy must ask for this traffic to arrive protected, as negotiated.
        var kernelProtocols: [SecurityProtocol]?, kernelMode: IPsecMode?
        switch kernel?.inboundPolicy(for: selector) ?? .notKept {
        case .notKept: break
        case .unprotected:
            refuseQuickMode(sa, .invalidIDInformation, "no kernel IPsec policy protects \(selector) proposed by \(sa.remote)")
            return
        case .protected(let protocols, let mode):
            kernelProtocols = protocols
            kernelMode = mode
        }
        let phase2 = settings.configuration.effectivePhase2(for: sa.rule)
        let requiredPFS = phase2.pfsGroup.flatMap { $0.rawValue == 0 ? nil : $0 }
        let keyExchange: [UInt8]? = payloads.first(where: { $0.type == .keyExchange }).flatMap { if case .keyExchange(let value) = $0.content { value } else { nil } }
        var choice: (ProposalPayload, TransformPayload, NegotiatedPhase2)?
        search: for proposal in offer.proposals where proposal.protocolID == .esp || proposal.protocolID == .ah {
            // Bundles (ESP and AH under one number) are not implemented; a lone proposal is.
            guard offer.proposals.filter({ $0.number == proposal.number }).count == 1, proposal.spi.count == 4 else { continue }
            if let kernelProtocols, !kernelProtocols.contains(proposal.protocolID) { continue }
            for transform in proposal.transforms {
                guard let parsed = Phase2Proposal.parse(transform, protocolID: proposal.protocolID) else { continue }
                guard entry.actions.contains(where: { $0.kind.protects && Phase2Proposal.allows($0, parsed) }) else { continue }
                if entry.pattern.tunnelInterface != nil, parsed.mode != .tunnel { continue }
                if let kernelMode, parsed.mode != kernelMode { continue }
                if let required = requiredPFS, parsed.group != required { continue }
                if let group = parsed.group, !DHPrivateKey.supports(group) { continue }
                guard (parsed.group != nil) == (keyExchange != nil) else { continue }
                choice = (proposal, transform, parsed)
                break search
            }
        }
        guard var (proposal, transform, negotiated) = choice, let peerSPI = proposal.spi.spiValue else {
            refuseQuickMode(sa, .noProposalChosen, "no acceptable proposal in Quick Mode \(hex(id)) from \(sa.remote) for \(selector)")
            return
        }
        guard let ourSPI = makeSPI(proposal.protocolID, for: sa) else {
            refuseQuickMode(sa, .noProposalChosen, "Quick Mode \(hex(id)) from \(sa.remote): no SPI")
            return
        }
        let exchange = QuickModeExchange(on: sa, messageID: id, role: .responder, state: .responderComputing, now: now, expireTimer: settings.expireTimer,
                                         selector: selector, mode: negotiated.mode, ourSPI: ourSPI, request: nil)
        exchange.peerSPI = peerSPI
        exchange.initiatorNonce = nonce
        exchange.identities = identities
        exchange.commitRequested = message.header.flags.contains(.commit)
        exchange.slot.received(datagram.bytes, answer: nil)
        // The shorter lifetime applies; a peer proposing a longer one is told (RFC 2407 §4.6.3.1).
        let ourSeconds = phase2.lifetimeSeconds ?? 3600, ourKilobytes = phase2.lifetimeKilobytes ?? 0
        var shortened: [DataAttribute] = []
        if negotiated.lifetimeSeconds == 0 || negotiated.lifetimeSeconds > ourSeconds {
            negotiated.lifetimeSeconds = ourSeconds
            shortened += [.basic(IPsecAttributeType.saLifeType.rawValue, LifeType.seconds.rawValue), .integer(IPsecAttributeType.saLifeDuration.rawValue, ourSeconds)]
        }
        if ourKilobytes > 0, negotiated.lifetimeKilobytes == 0 || negotiated.lifetimeKilobytes > ourKilobytes {
            negotiated.lifetimeKilobytes = ourKilobytes
            shortened += [.basic(IPsecAttributeType.saLifeType.rawValue, LifeType.kilobytes.rawValue), .integer(IPsecAttributeType.saLifeDuration.rawValue, ourKilobytes)]
        }
        if !shortened.isEmpty {
            var writer = ByteWriter()
            for attribute in shortened { attribute.encode(into: &writer) }
            exchange.responderLifetimeNotify = Payload(.notification(NotificationPayload(protocolID: proposal.protocolID, type: .responderLifetime, spi: proposal.spi, data: writer.bytes)))
        }
        exchange.negotiated = negotiated
        exchange.pfsGroup = negotiated.group
        proposal.transforms = [transform]
        proposal.spi = exchange.ourSPI.bigEndianBytes
        exchange.offer = SecurityAssociationPayload(doi: offer.doi, situation: offer.situation, proposals: [proposal])
        sa.quickModes[id] = exchange
        if let group = negotiated.group, let keyExchange {
            compute(.generateAndAgree(group, peerPublicValue: keyExchange), then: .quickModeSecret(sa.handle, id))
        } else {
            sendQuickMode2(sa, exchange)
        }
    }

    private func sendQuickMode2(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        guard let answer = exchange.offer, let keys = sa.keys, var protection = sa.protection else { return }
        exchange.responderNonce = random.bytes(settings.phase2NonceLength)
        var payloads = [Payload(.securityAssociation(answer)), Payload(.nonce(exchange.responderNonce))]
        if let key = exchange.ourKey { payloads.append(Payload(.keyExchange(key.publicValue))) }
        payloads += exchange.identities
        if let notify = exchange.responderLifetimeNotify { payloads.append(notify) }
        let hash = Phase2Keying(keys).hash2(messageID: exchange.messageID, initiatorNonce: exchange.initiatorNonce, rest: PayloadChain.encode(payloads))
        let bytes = protection.seal(sa.header(.quickMode, messageID: exchange.messageID), [Payload(.hash(hash))] + payloads)
        sa.protection = protection
        exchange.state = .responderSentProposal
        // QM2 is both the answer to a repeated QM1 and a request for QM3: it is retransmitted until then.
        exchange.slot.lastAnswer = bytes
        exchange.slot.sent(bytes, at: now, settings: settings)
        send(bytes, from: sa.local, to: sa.remote)
    }

    private func initiatorReceivedQuickMode2(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ payloads: [Payload], _ datagram: Datagram) {
        exchange.slot.received(datagram.bytes, answer: nil)
        guard case .securityAssociation(let answer)? = payloads.first(where: { $0.type == .securityAssociation })?.content,
              answer.proposals.count == 1, let proposal = answer.proposals.first, proposal.transforms.count == 1,
              let transform = proposal.transforms.first, let peerSPI = proposal.spi.spiValue,
              case .nonce(let nonce)? = payloads.first(where: { $0.type == .nonce })?.content,
              var negotiated = Phase2Proposal.parse(transform, protocolID: proposal.protocolID),
              let offered = exchange.offer?.proposals.first(where: { $0.number == proposal.number && $0.protocolID == proposal.protocolID }),
              offered.transforms.contains(where: { sameTransform($0, transform, protocolID: proposal.protocolID) })
        else {
            failQuickMode(sa, exchange, "the responder's answer is not one of our proposals")
            return
        }
        // Echoed identities must be ours (RFC 2409 §5.5).
        let identities = payloads.filter { $0.type == .identification }
        guard identities.isEmpty || identities.map(\.body) == exchange.identities.map(\.body) else {
            failQuickMode(sa, exchange, "the responder changed the client identities")
            return
        }
        for payload in payloads {
            if case .notification(let notify) = payload.content, notify.type == .responderLifetime,
               let attributes = try? DataAttribute.decodeList(notify.data) {
                applyResponderLifetime(attributes, to: &negotiated)
            }
        }
        exchange.peerSPI = peerSPI
        exchange.responderNonce = nonce
        exchange.negotiated = negotiated
        let keyExchange: [UInt8]? = payloads.first(where: { $0.type == .keyExchange }).flatMap { if case .keyExchange(let value) = $0.content { value } else { nil } }
        if let key = exchange.ourKey {
            guard let keyExchange else {
                failQuickMode(sa, exchange, "PFS was offered but the responder sent no KE")
                return
            }
            exchange.state = .initiatorComputing
            compute(.agree(key, peerPublicValue: keyExchange), then: .quickModeSecret(sa.handle, exchange.messageID))
        } else {
            finishInitiator(sa, exchange)
        }
    }

    private func finishInitiator(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        guard let keys = sa.keys, var protection = sa.protection else { return }
        let hash = Phase2Keying(keys).hash3(messageID: exchange.messageID, initiatorNonce: exchange.initiatorNonce, responderNonce: exchange.responderNonce)
        let bytes = protection.seal(sa.header(.quickMode, messageID: exchange.messageID), [Payload(.hash(hash))])
        sa.protection = protection
        // A repeated QM2 (our QM3 was lost) is answered with this QM3 again.
        exchange.slot.lastAnswer = bytes
        send(bytes, from: sa.local, to: sa.remote)
        if exchange.awaitingConnected {
            log(.info, .phase2, "Quick Mode \(hex(exchange.messageID)): the responder set the commit bit; waiting for CONNECTED")
        } else {
            installSAs(sa, exchange)
        }
    }

    /// The responder's CONNECTED arrived for a committed exchange.
    func completeInitiator(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        guard exchange.state == .initiatorComputing || exchange.state == .initiatorSentProposal, exchange.negotiated != nil, exchange.peerSPI != nil else { return }
        installSAs(sa, exchange)
    }

    /// A PFS key or g^xy for Quick Mode is ready.
    func quickModeComputed(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ result: ComputeResult) {
        switch result {
        case .failed(let error):
            if exchange.role == .responder { sendNotify(sa, .invalidKeyInformation, protocolID: .esp, spi: exchange.peerSPI?.bigEndianBytes ?? []) }
            failQuickMode(sa, exchange, "PFS Diffie-Hellman failed: \(error)")
        case .key(let key):
            guard exchange.state == .initiatorComputingKey else { return }
            exchange.ourKey = key
            sendQuickMode1(sa, exchange)
        case .keyAndSecret(let key, let secret):
            exchange.ourKey = key
            exchange.pfsSecret = secret
            switch exchange.state {
            case .initiatorComputing: finishInitiator(sa, exchange)
            case .responderComputing: sendQuickMode2(sa, exchange)
            default: break
            }
        }
    }

    // MARK: Results

    /// Derives KEYMAT for both directions and hands the pair to the kernel (RFC 2409 §5.5).
    private func installSAs(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        guard let keys = sa.keys, let negotiated = exchange.negotiated, let peerSPI = exchange.peerSPI else { return }
        let keying = Phase2Keying(keys)
        let lengths = Phase2Proposal.keyLengths(negotiated)
        func keymat(_ spi: UInt32) -> SecretBytes {
            keying.keymat(length: lengths.encryption + lengths.integrity, protocolID: negotiated.protocolID.rawValue, spi: spi.bigEndianBytes,
                          initiatorNonce: exchange.initiatorNonce, responderNonce: exchange.responderNonce, pfsSharedSecret: exchange.pfsSecret)
        }
        let phase2 = settings.configuration.effectivePhase2(for: sa.rule)
        let hard = UInt64(negotiated.lifetimeSeconds)
        let configuredSoft = UInt64(phase2.softLifetimeSeconds ?? 0), configuredHard = UInt64(phase2.lifetimeSeconds ?? 0)
        // The soft lifetime keeps its configured share of the hard one when the hard one was shortened.
        let soft = configuredHard > 0 ? min(hard * configuredSoft / configuredHard, hard) : hard * 9 / 10
        let hardBytes = UInt64(negotiated.lifetimeKilobytes) * 1024
        let lifetime = SALifetime(softSeconds: soft, hardSeconds: hard, softBytes: Self.softBytes(hard: hardBytes, phase2), hardBytes: hardBytes)
        func makeSA(spi: UInt32, source: IPAddress, destination: IPAddress, selector: TrafficSelector) -> IPsecSA {
            let material = keymat(spi)
            return IPsecSA(spi: spi, protocolID: negotiated.protocolID, source: source, destination: destination, mode: negotiated.mode, selector: selector,
                           encryption: negotiated.encryption, encryptionKeyBits: negotiated.keyBits, encryptionKey: material.prefix(lengths.encryption),
                           integrity: negotiated.integrity, integrityKey: SecretBytes(material.revealed().dropFirst(lengths.encryption)),
                           lifetime: lifetime, replayWindow: settings.replayWindow)
        }
        let inbound = makeSA(spi: exchange.ourSPI, source: sa.remote.address, destination: sa.local.address, selector: exchange.selector.reversed)
        let outbound = makeSA(spi: peerSPI, source: sa.local.address, destination: sa.remote.address, selector: exchange.selector)
        effects.append(.installSAs(inbound: inbound, outbound: outbound))
        var pair = InstalledSAPair(inbound: inbound, outbound: outbound, phase1: sa.handle, peer: sa.remote.address, request: exchange.request, installed: now)
        // Only the pair's initiator rekeys (docs/PROTOCOL.md).
        if exchange.role == .initiator, soft > 0 { pair.deadlines[.softLifetime] = now.adding(seconds: Double(soft)) }
        if hard > 0 { pair.deadlines[.hardLifetime] = now.adding(seconds: Double(hard)) }
        if let idleSeconds = phase2.idleTimeSeconds, idleSeconds > 0 {
            pair.idle = IdleWatch(seconds: idleSeconds, since: now)
            pair.deadlines[.idleCheck] = now.adding(seconds: Double(idleSeconds))
        }
        ipsecSAs[exchange.ourSPI] = pair
        pendingSPIs.remove(exchange.ourSPI)
        exchange.state = .done
        statistics.quickModeCompleted += 1
        statistics.ipsecSAsInstalled += 1
        sa.counters.ipsecSAsCreated += 1
        log(.info, .phase2, "IPsec SA established with \(sa.remote): \(inbound.algorithmDescription) \(negotiated.mode.rawValue), SPIs in \(hex(exchange.ourSPI)) out \(hex(peerSPI)), \(hard) s, \(exchange.selector)")
        pruneQuickModes(sa)
    }

    /// Quick Modes in progress on one Phase 1 SA at most.
    static let maximumQuickModesInFlight = 32

    /// Keeps finished exchanges only as long as a repeated QM2 might still need our QM3.
    func pruneQuickModes(_ sa: Phase1SA) {
        let finished = sa.quickModes.values.filter { $0.state == .done || $0.state == .failed }.sorted { $0.created < $1.created }
        for exchange in finished.dropLast(16) { sa.quickModes[exchange.messageID] = nil }
    }

    func refuseQuickMode(_ sa: Phase1SA, _ notify: NotifyMessageType, _ reason: String) {
        statistics.quickModeFailed += 1
        log(.warning, .phase2, reason)
        sendNotify(sa, notify, protocolID: .esp, spi: [])
    }

    /// An initiator's Quick Mode got no answer after retry_limit with nothing heard from the peer
    /// since it began: the peer no longer holds this Phase 1 SA (it restarted, or lost it). The SA
    /// and its IPsec SAs are deleted and the request starts over with a new Main Mode, instead of
    /// every later request retransmitting into the void until an administrator deletes the SA.
    func presumePhase1Dead(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        failQuickMode(sa, exchange, "no answer after \(settings.retryLimit) retransmissions")
        guard exchange.role == .initiator, (sa.lastHeard ?? .zero) <= exchange.created, sa.isEstablished else { return }
        statistics.phase1PresumedDead += 1
        log(.warning, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) with \(sa.remote) is presumed dead: nothing heard since Quick Mode \(hex(exchange.messageID)) began")
        for (ourSPI, pair) in ipsecSAs.pairs(with: sa.remote.address) where pair.phase1 == sa.handle { removeIPsecSAs(ourSPI) }
        let waiting = sa.quickModes.values.filter { $0.role == .initiator && $0.state != .done && $0.state != .failed }.compactMap(\.request)
        deletePhase1(sa, notify: true)
        for request in [exchange.request].compactMap({ $0 }) + waiting { acquire(request) }
    }

    func failQuickMode(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ reason: String) {
        guard exchange.state != .failed, exchange.state != .done else { return }
        exchange.state = .failed
        exchange.slot.answered()
        pendingSPIs.remove(exchange.ourSPI)
        statistics.quickModeFailed += 1
        log(.warning, .phase2, "Quick Mode \(hex(exchange.messageID)) with \(sa.remote) failed: \(reason)")
        pruneQuickModes(sa)
    }

    private func sameTransform(_ ours: TransformPayload, _ theirs: TransformPayload, protocolID: SecurityProtocol) -> Bool {
        guard ours.transformID == theirs.transformID, var a = Phase2Proposal.parse(ours, protocolID: protocolID),
              var b = Phase2Proposal.parse(theirs, protocolID: protocolID)
        else { return false }
        // Lifetimes are the responder's to shorten; everything else must be as offered.
        a.lifetimeSeconds = 0; a.lifetimeKilobytes = 0; b.lifetimeSeconds = 0; b.lifetimeKilobytes = 0
        return a == b
    }

    private func applyResponderLifetime(_ attributes: [DataAttribute], to negotiated: inout NegotiatedPhase2) {
        var type: LifeType?
        for attribute in attributes {
            switch IPsecAttributeType(rawValue: attribute.type) {
            case .saLifeType: type = attribute.uint16Value.map(LifeType.init(rawValue:))
            case .saLifeDuration:
                guard let value = attribute.integerValue, value > 0 else { continue }
                if type == .seconds, negotiated.lifetimeSeconds == 0 || UInt64(negotiated.lifetimeSeconds) > value { negotiated.lifetimeSeconds = UInt32(clamping: value) }
                if type == .kilobytes, negotiated.lifetimeKilobytes == 0 || UInt64(negotiated.lifetimeKilobytes) > value { negotiated.lifetimeKilobytes = UInt32(clamping: value) }
            default: continue
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// A 4-byte SPI as a number.
    var spiValue: UInt32? { count == 4 ? reduce(0) { $0 << 8 | UInt32($1) } : nil }
}

func hex(_ value: UInt32) -> String { value.paddedHex }
