import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// The engine's side of Quick Mode: policy decides what to propose and what to accept; the machines
/// (QuickModeInitiator, QuickModeResponder) run the messages; the driver sends.
extension IKEEngine {
    // MARK: Initiator

    func startQuickMode(_ sa: Phase1SA, request: AcquireRequest) {
        guard let keying = sa.establishedKeying else { return }
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
        // Across a NAT the SAs are UDP-encapsulated, and transport mode tells the original addresses.
        let nat = natAcross(sa)
        let offer = Phase2Proposal.offer(
            for: entry.actions,
            terms: .init(mode: mode, pfsGroup: pfs, lifetimeSeconds: phase2.lifetimeSeconds ?? 3600, lifetimeKilobytes: phase2.lifetimeKilobytes ?? 0,
                         udpEncapsulation: nat),
            spi: ourSPI)
        let messageID = sa.driver.makeMessageID(random)
        let context = quickModeContext(messageID, keying)
        let originals = mode == .transport ? nat.map { natOriginalAddressPayloads(sa, $0, initiating: true) } ?? [] : []
        let (machine, actions) = QuickModeInitiator.start(QuickModeInitiator.Offer(sa: offer, selector: selector, pfsGroup: pfs, natOriginalAddresses: originals,
                                                                                 acceptsRewrittenIdentities: !originals.isEmpty), context)
        let exchange = QuickModeExchange(on: sa, messageID: messageID, machine: .initiator(machine), now: now, expireTimer: settings.expireTimer,
                                         selector: selector, ourSPI: ourSPI, request: request)
        sa.quickModes[messageID] = exchange
        perform(actions, on: sa, exchange, keying: keying, received: nil)
    }

    // MARK: Receiving

    func quickMode(_ message: ISAKMPMessage, _ datagram: Datagram, _ sa: Phase1SA) {
        guard let keying = sa.establishedKeying else {
            statistics.unexpectedDropped += 1
            return
        }
        let id = message.header.messageID
        let payloads: [Payload]
        do {
            payloads = try keying.open(message)
        } catch {
            count(.decryption, on: sa)
            return
        }
        guard case .hash(let hash)? = payloads.first?.content else {
            count(.hash, on: sa)
            return
        }
        let received = (message, datagram)
        if let exchange = sa.quickModes[id] {
            perform(exchange.step(.message(message, payloads, hash: hash), quickModeContext(id, keying)), on: sa, exchange, keying: keying, received: received)
            return
        }
        // A new exchange: it must verify as a QM1 before any state is made for it.
        guard constantTimeEquals(hash, keying.phase2.hash1(messageID: id, rest: PayloadChain.encode(Array(payloads.dropFirst())))) else {
            count(.hash, on: sa)
            log(.warning, .phase2, "Quick Mode \(hex(id)) from \(sa.remote): HASH(1) does not verify")
            return
        }
        // One Phase 1 SA runs a bounded number of Quick Modes at once: a peer cannot make us hold (and
        // compute for) any number of them. Past it the QM1 is dropped and the peer retransmits.
        guard sa.quickModes.values.lazy.filter({ !$0.isFinished }).count < Self.maximumQuickModesInFlight else {
            statistics.quickModeBusyDropped += 1
            return
        }
        keying.accept(message)
        heardFrom(sa)
        followPeer(sa, datagram)
        sa.driver.peerUsed(id)
        guard let (chosen, selector, ourSPI) = acceptQuickMode1(sa, message, payloads) else { return }
        let context = quickModeContext(id, keying)
        let (machine, actions) = QuickModeResponder.start(chosen, context)
        let exchange = QuickModeExchange(on: sa, messageID: id, machine: .responder(machine), now: now, expireTimer: settings.expireTimer,
                                         selector: selector, ourSPI: ourSPI, request: nil)
        sa.quickModes[id] = exchange
        sa.driver.accepted(datagram.bytes, on: .quickMode(id))
        perform(actions, on: sa, exchange, keying: keying, received: nil)
    }

    /// A PFS result for one of the SA's Quick Modes.
    func quickModeComputed(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ result: ComputeResult) {
        guard let keying = sa.establishedKeying else { return }
        perform(exchange.step(.computed(result), quickModeContext(exchange.messageID, keying)), on: sa, exchange, keying: keying, received: nil)
    }

    /// The responder's CONNECTED arrived for a committed exchange.
    func completeInitiator(_ sa: Phase1SA, _ exchange: QuickModeExchange) {
        guard let keying = sa.establishedKeying else { return }
        perform(exchange.step(.connected, quickModeContext(exchange.messageID, keying)), on: sa, exchange, keying: keying, received: nil)
    }

    /// Carries out a step's actions in order; `received` is the message the step took, if any.
    private func perform(_ actions: [QuickModeAction], on sa: Phase1SA, _ exchange: QuickModeExchange, keying: Phase1Keying,
                         received: (message: ISAKMPMessage, datagram: Datagram)?) {
        let key = ExchangeKey.quickMode(exchange.messageID)
        for action in actions {
            guard !sa.isDead else { return }
            switch action {
            case .verified:
                guard let received else { continue }
                heardFrom(sa)
                followPeer(sa, received.datagram)
                sa.driver.accepted(received.datagram.bytes, on: key)
            case .send(let bytes, let delivery):
                sa.driver.sent(bytes, delivery, on: key, at: now, settings: settings)
                send(bytes, on: sa)
            case .compute(let job):
                compute(job, then: .quickMode(sa.handle, exchange.messageID))
            case .install(let result):
                sa.driver.stop(key)
                installSAs(sa, exchange, result)
            case .notifyConnected:
                sendInformational(sa, [Payload(.notification(NotificationPayload(protocolID: .esp, type: .connected, spi: exchange.ourSPI.bigEndianBytes)))])
            case .failed(let reason, let notify, let spi):
                if let notify { sendNotify(sa, notify, protocolID: .esp, spi: spi) }
                quickModeEnded(sa, exchange, reason)
            case .dropped(let reason):
                count(reason, on: sa)
                if reason == .unexpected { sa.counters.receiveOtherErrors += 1 }
            case .note(let text):
                log(.info, .phase2, "\(text) with \(sa.remote)")
            }
        }
    }

    private func quickModeContext(_ messageID: UInt32, _ keying: Phase1Keying) -> QuickModeContext {
        QuickModeContext(messageID: messageID, keying: keying, settings: settings, random: random)
    }

    // MARK: Responder policy

    /// What we accept of a verified QM1 under our policy and the kernel's, or nil after refusing it:
    /// the chosen proposal, the traffic from our side's view, and our inbound SPI.
    private func acceptQuickMode1(_ sa: Phase1SA, _ message: ISAKMPMessage, _ payloads: [Payload]) -> (QuickModeResponder.Chosen, TrafficSelector, UInt32)? {
        let id = message.header.messageID
        guard case .securityAssociation(let offer)? = payloads.first(where: { $0.type == .securityAssociation })?.content,
              case .nonce(let nonce)? = payloads.first(where: { $0.type == .nonce })?.content
        else {
            refuseQuickMode(sa, .payloadMalformed, "Quick Mode \(hex(id)) without SA or nonce")
            return nil
        }
        if let wrong = offer.proposals.first(where: { $0.protocolID == .isakmp }) {
            // Quick Mode negotiates IPsec SAs: an ISAKMP proposal here is a contradiction (RFC 2409 §5.5).
            refuseQuickMode(sa, .badProposalSyntax, "Quick Mode \(hex(id)) from \(sa.remote): proposal #\(wrong.number) is for PROTO_ISAKMP")
            return nil
        }
        let identities = payloads.filter { $0.type == .identification }
        var selector = TrafficSelector(local: AddressRange(sa.local.address), remote: AddressRange(sa.remote.address))
        if identities.count == 2 {
            guard case .identification(let idci) = identities[0].content, case .identification(let idcr) = identities[1].content,
                  let initiatorSide = TrafficIdentity.parse(idci), let responderSide = TrafficIdentity.parse(idcr),
                  initiatorSide.upperProtocol == responderSide.upperProtocol
            else {
                refuseQuickMode(sa, .invalidIDInformation, "Quick Mode \(hex(id)): client identities are not addresses")
                return nil
            }
            selector = TrafficSelector(local: responderSide.range, remote: initiatorSide.range, upperProtocol: idci.protocolID, localPort: responderSide.port, remotePort: initiatorSide.port)
            // Transport mode across a NAT: the initiator names its own (private) address and ours as
            // it knows it, and tells both in NAT-OA; the SAs are for the addresses the packets carry
            // here (RFC 3947 §5.2, as strongSwan and racoon read it).
            let originals = NATTraversal.originalAddresses(in: payloads)
            if natAcross(sa) != nil, originals.count >= 1 {
                if selector.remote == AddressRange(originals[0]) { selector.remote = AddressRange(sa.remote.address) }
                if originals.count >= 2, selector.local == AddressRange(originals[1]) { selector.local = AddressRange(sa.local.address) }
            }
        } else if !identities.isEmpty {
            refuseQuickMode(sa, .invalidIDInformation, "Quick Mode \(hex(id)) with \(identities.count) identities")
            return nil
        }
        // The "inverse acquire": the policy that covers what the peer proposes decides what we accept.
        guard let entry = settings.policy(for: selector, initiating: false) else {
            refuseQuickMode(sa, .invalidIDInformation, "no IPsec policy covers \(selector) proposed by \(sa.remote)")
            return nil
        }
        // And the kernel's inbound policy must ask for this traffic to arrive protected, as negotiated.
        var kernelProtocols: [SecurityProtocol]?, kernelMode: IPsecMode?
        switch kernel?.inboundPolicy(for: selector) ?? .notKept {
        case .notKept: break
        case .unprotected:
            refuseQuickMode(sa, .invalidIDInformation, "no kernel IPsec policy protects \(selector) proposed by \(sa.remote)")
            return nil
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
                // UDP encapsulation exactly when NAT-D found a NAT (RFC 3947 §5.1).
                guard parsed.udpEncapsulated == (natAcross(sa) != nil) else { continue }
                guard (parsed.group != nil) == (keyExchange != nil) else { continue }
                choice = (proposal, transform, parsed)
                break search
            }
        }
        guard var (proposal, transform, negotiated) = choice, let peerSPI = proposal.spi.spiValue else {
            refuseQuickMode(sa, .noProposalChosen, "no acceptable proposal in Quick Mode \(hex(id)) from \(sa.remote) for \(selector)")
            return nil
        }
        guard let ourSPI = makeSPI(proposal.protocolID, for: sa) else {
            refuseQuickMode(sa, .noProposalChosen, "Quick Mode \(hex(id)) from \(sa.remote): no SPI")
            return nil
        }
        // The shorter lifetime applies; a peer proposing a longer one is told (RFC 2407 §4.6.3.1).
        let ourSeconds = phase2.lifetimeSeconds ?? 3600, ourKilobytes = phase2.lifetimeKilobytes ?? 0
        var shortened: [DataAttribute] = []
        var responderLifetime: Payload?
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
            responderLifetime = Payload(.notification(NotificationPayload(protocolID: proposal.protocolID, type: .responderLifetime, spi: proposal.spi, data: writer.bytes)))
        }
        proposal.transforms = [transform]
        proposal.spi = ourSPI.bigEndianBytes
        let chosen = QuickModeResponder.Chosen(
            answer: SecurityAssociationPayload(doi: offer.doi, situation: offer.situation, proposals: [proposal]), negotiated: negotiated, peerSPI: peerSPI,
            initiatorNonce: nonce, identities: identities, responderLifetime: responderLifetime, keyExchange: keyExchange,
            commit: message.header.flags.contains(.commit),
            natOriginalAddresses: negotiated.udpEncapsulated && negotiated.mode == .transport ? natAcross(sa).map { natOriginalAddressPayloads(sa, $0, initiating: false) } ?? [] : [],
            peerOriginalAddress: NATTraversal.originalAddresses(in: payloads).first)
        return (chosen, selector, ourSPI)
    }

    /// Derives KEYMAT for both directions and hands the pair to the kernel (RFC 2409 §5.5).
    private func installSAs(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ result: QuickModeResult) {
        guard let keying = sa.establishedKeying?.phase2 else { return }
        let negotiated = result.negotiated, peerSPI = result.peerSPI
        let lengths = Phase2Proposal.keyLengths(negotiated)
        func keymat(_ spi: UInt32) -> SecretBytes {
            keying.keymat(length: lengths.encryption + lengths.integrity, protocolID: negotiated.protocolID.rawValue, spi: spi.bigEndianBytes,
                          initiatorNonce: result.initiatorNonce, responderNonce: result.responderNonce, pfsSharedSecret: result.pfsSecret)
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
        var inbound = makeSA(spi: exchange.ourSPI, source: sa.remote.address, destination: sa.local.address, selector: exchange.selector.reversed)
        var outbound = makeSA(spi: peerSPI, source: sa.local.address, destination: sa.remote.address, selector: exchange.selector)
        if negotiated.udpEncapsulated {
            // ESP in UDP between the Phase 1 SA's NAT-T endpoints (RFC 3948).
            inbound.udpEncapsulation = UDPEncapsulation(sourcePort: sa.remote.port, destinationPort: sa.local.port, originalAddress: result.peerOriginalAddress)
            outbound.udpEncapsulation = UDPEncapsulation(sourcePort: sa.local.port, destinationPort: sa.remote.port)
        }
        effects.append(.installSAs(inbound: inbound, outbound: outbound))
        var pair = InstalledSAPair(inbound: inbound, outbound: outbound, phase1: sa.handle, peer: sa.remote.address, request: exchange.request, installed: now)
        // Only the pair's initiator rekeys (docs/PROTOCOL.md).
        if exchange.isInitiator, soft > 0 { pair.deadlines[.softLifetime] = now.adding(seconds: Double(soft)) }
        if hard > 0 { pair.deadlines[.hardLifetime] = now.adding(seconds: Double(hard)) }
        if let idleSeconds = phase2.idleTimeSeconds, idleSeconds > 0 {
            pair.idle = IdleWatch(seconds: idleSeconds, since: now)
            pair.deadlines[.idleCheck] = now.adding(seconds: Double(idleSeconds))
        }
        ipsecSAs[exchange.ourSPI] = pair
        pendingSPIs.remove(exchange.ourSPI)
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
        let finished = sa.quickModes.values.filter(\.isFinished).sorted { $0.created < $1.created }
        for exchange in finished.dropLast(16) {
            sa.quickModes[exchange.messageID] = nil
            sa.driver.forget(.quickMode(exchange.messageID))
        }
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
        guard exchange.isInitiator, (sa.lastHeard ?? .zero) <= exchange.created, sa.isEstablished else { return }
        statistics.phase1PresumedDead += 1
        log(.warning, .phase1, "Phase 1 SA \(sa.initiatorCookie):\(sa.responderCookie) with \(sa.remote) is presumed dead: nothing heard since Quick Mode \(hex(exchange.messageID)) began")
        for (ourSPI, pair) in ipsecSAs.pairs(with: sa.remote.address) where pair.phase1 == sa.handle { removeIPsecSAs(ourSPI) }
        let waiting = sa.quickModes.values.filter { $0.isInitiator && !$0.isFinished }.compactMap(\.request)
        deletePhase1(sa, notify: true)
        for request in [exchange.request].compactMap({ $0 }) + waiting { acquire(request) }
    }

    /// Ends an exchange from outside its machine (expiry, retry limit, a peer's refusal).
    func failQuickMode(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ reason: String) {
        guard !exchange.isFinished else { return }
        exchange.fail()
        quickModeEnded(sa, exchange, reason)
    }

    /// The bookkeeping of a failed exchange whose machine is in `failed` already.
    private func quickModeEnded(_ sa: Phase1SA, _ exchange: QuickModeExchange, _ reason: String) {
        sa.driver.stop(.quickMode(exchange.messageID))
        pendingSPIs.remove(exchange.ourSPI)
        statistics.quickModeFailed += 1
        log(.warning, .phase2, "Quick Mode \(hex(exchange.messageID)) with \(sa.remote) failed: \(reason)")
        pruneQuickModes(sa)
    }

}

extension Array where Element == UInt8 {
    /// A 4-byte SPI as a number.
    var spiValue: UInt32? { count == 4 ? reduce(0) { $0 << 8 | UInt32($1) } : nil }
}

func hex(_ value: UInt32) -> String { value.paddedHex }
