import CXFRM
import IPsecTypes
#if canImport(Glibc)
import Glibc
#endif

/// The Linux kernel through XFRM netlink. Requests go over one socket and wait for the kernel's
/// acknowledgement (they take microseconds; the first ESP SA can take seconds while the kernel loads
/// its crypto, which is why `probe` does one at start). Notifications (ACQUIRE, EXPIRE, SA and policy
/// changes) arrive on a second, non-blocking socket the daemon polls.
public final class XFRMKernel: KernelPort {
    public let name = "xfrm"
    private let requests: NetlinkSocket
    private let notifications: NetlinkSocket
    private var table: [SAKey: IPsecSA] = [:]
    /// SPIs from ALLOCSPI: their larval SA is updated (UPDSA) rather than added.
    private var allocated: Set<SAKey> = []
    private var policyCache: [KernelPolicy] = []
    private var policyCacheStale = false
    private var ignoredCount = 0
    private var malformedCount = 0

    struct SAKey: Hashable {
        var spi: UInt32
        var protocolID: SecurityProtocol
        var destination: IPAddress
    }

    /// Opens both sockets, reads the policy, and (with `probe`) checks that the kernel can hold an ESP
    /// SA with AES and SHA-1, which also loads the modules before the first negotiation needs them.
    /// `namespace`: work on the kernel tables of that network namespace (`ip netns add NAME`) instead of
    /// the process's own.
    public init(probe: Bool = true, namespace: String? = nil) throws(KernelError) {
        do {
            requests = try NetlinkSocket(protocolNumber: NETLINK_XFRM, namespace: namespace)
            notifications = try NetlinkSocket(
                protocolNumber: NETLINK_XFRM, groups: [IKE_XFRMNLGRP_ACQUIRE, IKE_XFRMNLGRP_EXPIRE, IKE_XFRMNLGRP_SA, IKE_XFRMNLGRP_POLICY, IKE_XFRMNLGRP_MAPPING],
                nonblocking: true, namespace: namespace)
        } catch {
            if error.errno == EPROTONOSUPPORT {
                throw KernelError("this kernel has no XFRM netlink (CONFIG_XFRM_USER, module xfrm_user): IPsec SAs cannot be installed", errno: error.errno)
            }
            if error.errno == EPERM || error.errno == EACCES {
                throw KernelError("XFRM netlink needs CAP_NET_ADMIN (run in.iked as root, or use --kernel memory)", errno: error.errno)
            }
            throw error
        }
        if probe { try probeESP() }
        try refreshPolicies()
    }

    public var eventDescriptor: Int32? { notifications.fd }
    public var malformedMessages: Int { malformedCount + requests.strayMessages }

    // MARK: SAs

    public func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) throws(KernelError) -> UInt32 {
        let traffic = TrafficSelector(local: AddressRange(source), remote: AddressRange(destination))
        let template = template(.in, for: traffic, protocolID: protocolID)
        let answers = try requests.transact(
            XFRMCodec.allocateSPI(protocolID: protocolID, source: source, destination: destination, mode: template?.mode ?? .transport,
                                  reqid: template?.reqid ?? 0, range: 0x100...0xFFFF_FFFF),
            dump: false)
        guard let answer = answers.first, answer.type == IKE_XFRM_MSG_NEWSA, let info = answer.fixed(xfrm_usersa_info.self) else {
            throw KernelError("ALLOCSPI: the kernel's answer is not an SA")
        }
        let spi = UInt32(bigEndian: info.id.spi)
        allocated.insert(SAKey(spi: spi, protocolID: protocolID, destination: destination))
        return spi
    }

    public func install(inbound: IPsecSA, outbound: IPsecSA) throws(KernelError) {
        try add(inbound, direction: .in)
        do {
            try add(outbound, direction: .out)
        } catch {
            // Nothing half-installed: the inbound half goes again.
            try? delete(spi: inbound.spi, protocolID: inbound.protocolID, destination: inbound.destination)
            throw error
        }
    }

    /// UPDSA changes an installed SA's encapsulation in place (the kernel keys SAs by destination,
    /// SPI and protocol, so the inbound SA and an outbound one to the same address keep their
    /// counters and replay state); an outbound SA whose destination changed is added anew and the
    /// old one deleted.
    public func update(inbound: IPsecSA, outbound: IPsecSA, previousOutboundDestination: IPAddress) throws(KernelError) {
        try replace(inbound, direction: .in)
        if outbound.destination == previousOutboundDestination {
            try replace(outbound, direction: .out)
        } else {
            try add(outbound, direction: .out)
            try delete(spi: outbound.spi, protocolID: outbound.protocolID, destination: previousOutboundDestination)
        }
    }

    private func replace(_ sa: IPsecSA, direction: KernelPolicyDirection) throws(KernelError) {
        let key = SAKey(spi: sa.spi, protocolID: sa.protocolID, destination: sa.destination)
        let reqid = template(direction, for: sa.selector, protocolID: sa.protocolID)?.reqid ?? 0
        do {
            try requests.acknowledge(try XFRMCodec.addSA(sa, reqid: reqid, update: true))
        } catch {
            throw KernelError("update of \(direction == .in ? "inbound" : "outbound") SA \(sa.spi.paddedHex) to \(sa.destination): \(error)", errno: error.errno)
        }
        table[key] = sa
    }

    private func add(_ sa: IPsecSA, direction: KernelPolicyDirection) throws(KernelError) {
        let key = SAKey(spi: sa.spi, protocolID: sa.protocolID, destination: sa.destination)
        let reqid = template(direction, for: sa.selector, protocolID: sa.protocolID)?.reqid ?? 0
        let update = allocated.contains(key)
        do {
            do {
                try requests.acknowledge(try XFRMCodec.addSA(sa, reqid: reqid, update: update))
            } catch where update && error.errno == ESRCH {
                // The larval SA timed out (the kernel keeps it 30 s): add the SA outright.
                try requests.acknowledge(try XFRMCodec.addSA(sa, reqid: reqid, update: false))
            }
        } catch {
            throw KernelError("\(direction == .in ? "inbound" : "outbound") SA \(sa.spi.paddedHex) \(sa.source) -> \(sa.destination): \(error)", errno: error.errno)
        }
        allocated.remove(key)
        table[key] = sa
    }

    public func delete(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) throws(KernelError) {
        let key = SAKey(spi: spi, protocolID: protocolID, destination: destination)
        table[key] = nil
        allocated.remove(key)
        do {
            try requests.acknowledge(XFRMCodec.deleteSA(spi: spi, protocolID: protocolID, destination: destination))
        } catch {
            throw KernelError("delete SA \(spi.paddedHex) to \(destination): \(error)", errno: error.errno)
        }
    }

    public var installed: [IPsecSA] { table.values.sorted { $0.spi < $1.spi } }

    /// The kernel's byte counter of one SA (what crossed it), or nil when the kernel has no such SA.
    public func byteCount(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64? {
        guard let answers = try? requests.transact(XFRMCodec.getSA(spi: spi, protocolID: protocolID, destination: destination), dump: false),
              let info = answers.first?.fixed(xfrm_usersa_info.self)
        else { return nil }
        return info.curlft.bytes
    }

    // MARK: Events

    public func receiveEvents() -> [KernelEvent] {
        let batch = notifications.receiveAvailable()
        malformedCount += batch.malformed
        var events: [KernelEvent] = []
        var policiesChanged = batch.overrun
        for message in batch.messages {
            switch XFRMCodec.read(message) {
            case .malformed: malformedCount += 1
            case .ignored: ignoredCount += 1
            case .event(.policiesChanged): policiesChanged = true
            case .event(let event):
                switch event {
                case .deleted(let spi, let protocolID, let destination), .expired(let spi, let protocolID, let destination, true):
                    let key = SAKey(spi: spi, protocolID: protocolID, destination: destination)
                    // Our own deletes come back as notifications too: only others' deletes are news.
                    guard table.removeValue(forKey: key) != nil || allocated.remove(key) != nil else { continue }
                case .flushed: table = [:]
                default: break
                }
                events.append(event)
            }
        }
        if batch.overrun {
            // The kernel dropped notifications: any of them may have been a delete of ours.
            events += reconcile()
        }
        if policiesChanged {
            try? refreshPolicies()
            events.append(.policiesChanged)
        }
        return events
    }

    /// Asks the kernel for every SA this port installed; those it no longer has are reported deleted
    /// (what the notifications would have said had they not been dropped).
    public func reconcile() -> [KernelEvent] {
        var gone: [KernelEvent] = []
        for key in table.keys.sorted(by: { $0.spi < $1.spi }) {
            do {
                _ = try requests.transact(XFRMCodec.getSA(spi: key.spi, protocolID: key.protocolID, destination: key.destination), dump: false)
            } catch where error.errno == ESRCH {
                table[key] = nil
                gone.append(.deleted(spi: key.spi, protocolID: key.protocolID, destination: key.destination))
            } catch {
                continue
            }
        }
        return gone
    }

    // MARK: Policy

    /// The kernel's policy as last read; read again first when this port changed it since.
    public var policies: [KernelPolicy]? {
        if policyCacheStale { try? refreshPolicies() }
        return policyCache
    }

    public func refreshPolicies() throws(KernelError) {
        let answers = try requests.transact(XFRMCodec.dumpPolicies(), dump: true)
        policyCache = answers.compactMap(XFRMCodec.policy)
        policyCacheStale = false
    }

    /// Adds a policy. The kernel's acknowledgement carries no index, so the policy comes back with
    /// index 0 (deletes then go by selector); `policies` reads the table again when next asked, not
    /// after every add (a 2,000-entry file would otherwise re-read the table 4,000 times).
    public func installPolicy(_ policy: KernelPolicy) throws(KernelError) -> KernelPolicy {
        try requests.acknowledge(XFRMCodec.addPolicy(policy))
        policyCacheStale = true
        var added = policy
        added.index = 0
        return added
    }

    public func deletePolicy(_ policy: KernelPolicy) throws(KernelError) {
        try requests.acknowledge(XFRMCodec.deletePolicy(policy))
        policyCacheStale = true
    }

    public func flushPolicies() throws(KernelError) {
        try requests.acknowledge(XFRMCodec.flushPolicies())
        policyCache = []
        policyCacheStale = false
    }

    // MARK: Start-up check

    /// Adds and removes one ESP SA (AES-CBC, HMAC-SHA1) on loopback: a kernel without ESP or those
    /// algorithms fails here with a message naming what is missing, not at the first negotiation.
    private func probeESP() throws(KernelError) {
        guard let loopback = IPAddress("127.0.0.1") else { return }
        let spi = UInt32.random(in: 0xFFFF_0000...0xFFFF_FFFE)
        let probe = IPsecSA(spi: spi, protocolID: .esp, source: loopback, destination: loopback, mode: .transport,
                            selector: TrafficSelector(local: AddressRange(loopback), remote: AddressRange(loopback)),
                            encryption: .aes, encryptionKeyBits: 128, encryptionKey: SecretBytes([UInt8](repeating: 0x5A, count: 16)),
                            integrity: .hmacSHA1, integrityKey: SecretBytes([UInt8](repeating: 0xA5, count: 20)),
                            lifetime: SALifetime(hardSeconds: 5), replayWindow: 32)
        do {
            try requests.acknowledge(try XFRMCodec.addSA(probe, reqid: 0, update: false))
        } catch {
            switch error.errno {
            case EPROTONOSUPPORT:
                throw KernelError("this kernel has no ESP (CONFIG_INET_ESP / CONFIG_INET6_ESP, modules esp4 and esp6): IPsec SAs cannot be installed", errno: error.errno)
            case ENOSYS, ENOENT:
                throw KernelError("this kernel's crypto API lacks cbc(aes) or hmac(sha1) for ESP: \(error)", errno: error.errno)
            case EPERM, EACCES:
                throw KernelError("installing SAs needs CAP_NET_ADMIN (run in.iked as root, or use --kernel memory)", errno: error.errno)
            default:
                throw KernelError("the kernel refused a test ESP SA: \(error)", errno: error.errno)
            }
        }
        try? requests.acknowledge(XFRMCodec.deleteSA(spi: spi, protocolID: .esp, destination: loopback))
    }
}
