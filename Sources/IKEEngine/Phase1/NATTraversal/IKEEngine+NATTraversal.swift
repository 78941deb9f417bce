import IPsecTypes
import ISAKMP

/// NAT traversal around the exchanges (RFC 3947 §4, RFC 3948): the non-ESP marker on the NAT-T
/// port, the float to it, following a peer whose NAT mapping changed, and keepalives.
extension IKEEngine {
    // MARK: The NAT-T port's framing

    /// What came to our NAT-T port: IKE behind the 4-byte zero non-ESP marker (returned without it),
    /// or something else (nil): a keepalive (0xFF) or ESP the kernel did not decapsulate. Datagrams
    /// on other ports are returned as they are.
    func unframed(_ datagram: Datagram) -> Datagram? {
        guard let port = settings.natTraversalPort, datagram.local.port == port else { return datagram }
        guard datagram.bytes.count > Self.nonESPMarker.count, datagram.bytes.prefix(Self.nonESPMarker.count).elementsEqual(Self.nonESPMarker) else {
            statistics.natNonIKEDropped += 1
            return nil
        }
        var unframed = datagram
        unframed.bytes.removeFirst(Self.nonESPMarker.count)
        return unframed
    }

    /// IKE on the NAT-T port goes behind the non-ESP marker (RFC 3948 §2.2), so the peer's kernel
    /// tells it from ESP (whose SPI is never zero).
    func framed(_ bytes: [UInt8], from local: Endpoint) -> [UInt8] {
        guard let port = settings.natTraversalPort, local.port == port else { return bytes }
        return Self.nonESPMarker + bytes
    }

    static let nonESPMarker: [UInt8] = [0, 0, 0, 0]
    /// RFC 3948 §2.3: one octet, 0xFF.
    static let natKeepalive: [UInt8] = [0xFF]

    // MARK: Floating and following

    /// NAT-D has been compared on `sa`. The initiator floats to the NAT-T port for MM5 on when a NAT
    /// is in the way (RFC 3947 §4); the responder follows when MM5 arrives there.
    func natDiscovered(_ sa: Phase1SA) {
        guard let nat = sa.natTraversal else { return }
        log(.info, .phase1, "NAT-T (\(nat.method.name)) with \(sa.remote): \(nat.describe(role: sa.role))")
        guard nat.natFound else { return }
        statistics.natDetected += 1
        if sa.role == .initiator, let port = settings.natTraversalPort {
            moveEndpoints(sa, local: Endpoint(address: sa.local.address, port: port),
                          remote: Endpoint(address: sa.remote.address, port: settings.peerNATTraversalPort))
        }
    }

    /// Whether a message for `sa` that came from (or to) an endpoint other than the SA's may be
    /// read at all: only once NAT-D found a NAT (so never MM3, which the responder compares NAT-D
    /// in, nor anything before it: no Diffie-Hellman for a sender that has not shown it receives
    /// where the SA is) and only on our NAT-T port, where a NAT may have given the peer a new
    /// address or port. It moves the SA only once it authenticated.
    func mayFollow(_ sa: Phase1SA, to datagram: Datagram) -> Bool {
        guard sa.natTraversal?.natFound == true, let port = settings.natTraversalPort else { return false }
        return datagram.local.port == port && datagram.remote.address.isIPv4 == sa.remote.address.isIPv4
    }

    /// A message that came in `datagram` authenticated under `sa`: if it came from elsewhere, the SA
    /// follows (the responder's float at MM5, a NAT mapping that changed later), and so do the
    /// UDP-encapsulated IPsec SAs it negotiated. Repeats never get here (the driver answers them).
    func followPeer(_ sa: Phase1SA, _ datagram: Datagram) {
        guard sa.remote != datagram.remote || sa.local != datagram.local, mayFollow(sa, to: datagram) else { return }
        let moved = sa.isEstablished && sa.local.port == datagram.local.port
        let previous = sa.remote
        moveEndpoints(sa, local: datagram.local, remote: datagram.remote)
        if moved {
            statistics.natMappingChanges += 1
            log(.info, .phase1, "peer's NAT mapping changed: \(previous) is now \(sa.remote)")
        }
        updateEncapsulation(of: sa, previousPeer: previous.address)
    }

    /// The kernel saw authenticated ESP for one of our inbound SAs from a new address or port
    /// (XFRM_MSG_MAPPING): the peer's NAT mapping changed, and the SA and its siblings follow.
    func natMappingChanged(inboundSPI: UInt32, destination: IPAddress, peer: Endpoint) {
        guard let ourSPI = ipsecSAs.ourSPI(kernelSPI: inboundSPI, destination: destination), let pair = ipsecSAs[ourSPI],
              pair.inbound.udpEncapsulation != nil, let sa = phase1[pair.phase1], sa.isEstablished, sa.remote != peer,
              peer.address.isIPv4 == sa.remote.address.isIPv4
        else { return }
        let previous = sa.remote
        moveEndpoints(sa, local: sa.local, remote: peer)
        statistics.natMappingChanges += 1
        log(.info, .phase1, "the kernel saw the peer's ESP from a new NAT mapping: \(previous) is now \(peer)")
        updateEncapsulation(of: sa, previousPeer: previous.address)
    }

    /// Points every UDP-encapsulated pair `sa` negotiated at its endpoints as they are now.
    private func updateEncapsulation(of sa: Phase1SA, previousPeer: IPAddress) {
        for (ourSPI, var pair) in ipsecSAs.pairs(with: previousPeer) where pair.phase1 == sa.handle && pair.outbound.udpEncapsulation != nil {
            let previousDestination = pair.outbound.destination
            pair.inbound.source = sa.remote.address
            pair.inbound.udpEncapsulation?.sourcePort = sa.remote.port
            pair.inbound.udpEncapsulation?.destinationPort = sa.local.port
            pair.outbound.destination = sa.remote.address
            pair.outbound.udpEncapsulation?.sourcePort = sa.local.port
            pair.outbound.udpEncapsulation?.destinationPort = sa.remote.port
            pair.peer = sa.remote.address
            // A rekey starts from the pair's request: it must name the peer where it is now.
            if pair.request?.remoteAddress == previousPeer { pair.request?.remoteAddress = sa.remote.address }
            ipsecSAs[ourSPI] = pair
            effects.append(.updateSAs(inbound: pair.inbound, outbound: pair.outbound, previousOutboundDestination: previousDestination))
        }
    }

    // MARK: Quick Mode across a NAT

    /// The NAT-T method when NAT-D found a NAT on `sa`: its IPsec SAs are then UDP-encapsulated.
    func natAcross(_ sa: Phase1SA) -> NATTraversalMethod? {
        guard let nat = sa.natTraversal, nat.natFound else { return nil }
        return nat.method
    }

    /// NAT-OA for Quick Mode in transport mode: RFC 3947 sends the Quick Mode initiator's address
    /// then the responder's, as the sender knows them (§5.2); the drafts send one, the sender's own.
    func natOriginalAddressPayloads(_ sa: Phase1SA, _ method: NATTraversalMethod, initiating: Bool) -> [Payload] {
        let addresses = method.usesDraftNumbers ? [sa.local.address]
            : initiating ? [sa.local.address, sa.remote.address] : [sa.remote.address, sa.local.address]
        return addresses.map { address in
            Payload(.natOriginalAddress(NATOriginalAddressPayload(idType: address.isIPv4 ? .ipv4Address : .ipv6Address, address: address),
                                        draft: method.usesDraftNumbers))
        }
    }

    // MARK: Keepalives

    /// Starts the keepalives of an established SA when we are the side behind the NAT.
    func startNATKeepalives(_ sa: Phase1SA) {
        guard settings.natKeepalive > 0, sa.natTraversal?.localBehindNAT == true else { return }
        sa.deadlines[.natKeepalive] = now.adding(seconds: settings.natKeepalive)
    }

    /// One keepalive: a single 0xFF octet to the peer's NAT-T port, without the marker (RFC 3948 §2.3).
    func natKeepaliveDue(_ sa: Phase1SA) {
        sa.deadlines[.natKeepalive] = nil
        guard sa.isEstablished, sa.natTraversal?.localBehindNAT == true else { return }
        effects.append(.send(Datagram(bytes: Self.natKeepalive, local: sa.local, remote: sa.remote)))
        sa.natTraversal?.keepalivesSent += 1
        statistics.natKeepalivesSent += 1
        sa.deadlines[.natKeepalive] = now.adding(seconds: settings.natKeepalive)
    }
}
