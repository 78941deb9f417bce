import IPsecTypes
import ISAKMP

extension IKEEngine {
    /// Sends one of `sa`'s messages: whole, or in fragments when the peer announced fragmentation and
    /// the datagram would exceed `fragment_size` on the path (the IP datagram, like strongSwan's
    /// charon.fragment_size, 1280 by default). Retransmissions come here too and are cut again.
    func send(_ bytes: [UInt8], on sa: Phase1SA) {
        let limit = fragmentLimit(sa)
        guard settings.fragmentation, sa.peerSupportsFragmentation, bytes.count > limit,
              let pieces = Fragment.split(bytes, id: sa.takeFragmentID(), maximum: limit) else {
            send(bytes, from: sa.local, to: sa.remote)
            return
        }
        statistics.fragmentsSent += pieces.count
        for piece in pieces { send(piece, from: sa.local, to: sa.remote) }
    }

    /// The largest IKE datagram (before the non-ESP marker) whose IP datagram fits `fragmentSize`.
    func fragmentLimit(_ sa: Phase1SA) -> Int {
        let ipAndUDP = (sa.remote.address.isIPv4 ? 20 : 40) + 8
        let marker = settings.natTraversalPort == sa.local.port ? Self.nonESPMarker.count : 0
        return settings.fragmentSize - ipAndUDP - marker
    }

    /// A fragment from a peer: kept with its SA until the message is whole, then received as if it
    /// had come in one datagram. Fragments for no SA, from another endpoint, or beyond the bounds
    /// are counted and dropped; nothing else changes.
    func receive(_ fragment: Fragment, _ datagram: Datagram) {
        let cookies = CookiePair(initiator: fragment.header.initiatorCookie, responder: fragment.header.responderCookie)
        guard settings.fragmentation, let sa = phase1[cookies] ?? phase1.awaitingResponder(cookies.initiator), !sa.isDead,
              sa.remote == datagram.remote || mayFollow(sa, to: datagram) else {
            statistics.unexpectedDropped += 1
            return
        }
        statistics.fragmentsReceived += 1
        if sa.reassembly?.id != fragment.id { dropReassembly(of: sa) }
        guard reassemblyBytes + fragment.data.count <= FragmentReassembly.maximumTotalBytes else {
            statistics.malformedDropped += 1
            log(.info, .operational, "dropped a fragment from \(datagram.remote): \(reassemblyBytes) bytes of fragments already held")
            return
        }
        var reassembly = sa.reassembly ?? FragmentReassembly(id: fragment.id)
        let before = reassembly.bytes
        let outcome = reassembly.add(fragment)
        reassemblyBytes += reassembly.bytes - before
        sa.reassembly = reassembly
        switch outcome {
        case .incomplete:
            return
        case .refused(let why):
            dropReassembly(of: sa)
            statistics.malformedDropped += 1
            log(.info, .operational, "dropped the fragments of a message from \(datagram.remote): \(why)")
        case .complete(let message):
            dropReassembly(of: sa)
            // A message made of fragments must not be a fragment itself.
            guard message.count > 16, message[16] != PayloadType.fragment.rawValue else {
                statistics.malformedDropped += 1
                return
            }
            receiveWhole(Datagram(bytes: message, local: datagram.local, remote: datagram.remote))
        }
    }

    /// Forgets the message `sa`'s peer was sending in fragments (done, refused, replaced, or the SA gone).
    func dropReassembly(of sa: Phase1SA) {
        reassemblyBytes -= sa.reassembly?.bytes ?? 0
        sa.reassembly = nil
    }
}

extension Phase1SA {
    /// A fresh fragment ID for the next message we cut.
    func takeFragmentID() -> UInt16 {
        nextFragmentID &+= 1
        if nextFragmentID == 0 { nextFragmentID = 1 }
        return nextFragmentID
    }
}
