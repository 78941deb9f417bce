import CXFRM
import IPsecTypes

/// The requests the kernel port sends (linux/xfrm.h message types with their fixed structs and
/// attributes).
extension XFRMCodec {
    /// XFRM_MSG_NEWSA (or UPDSA for an SA whose SPI was allocated): keys, algorithms with their ICV
    /// truncation, lifetimes, mode, reqid and replay window.
    static func addSA(_ sa: IPsecSA, reqid: UInt32, update: Bool) throws(KernelError) -> NetlinkRequest {
        var info = xfrm_usersa_info()
        info.sel = selector(saSelector(sa.selector))
        info.id.daddr = address(sa.destination)
        info.id.spi = sa.spi.bigEndian
        info.id.proto = ipProtocol(sa.protocolID)
        info.saddr = address(sa.source)
        info.family = family(ipv4: sa.destination.isIPv4)
        info.mode = mode(sa.mode)
        info.reqid = reqid
        info.lft = lifetime(sa.lifetime)
        // The legacy window is a 32-bit bitmap; wider windows need the ESN-style replay state.
        if sa.replayWindow <= 32 { info.replay_window = UInt8(sa.replayWindow) }
        var request = NetlinkRequest(type: update ? IKE_XFRM_MSG_UPDSA : IKE_XFRM_MSG_NEWSA, flags: IKE_NLM_F_ACK)
        request.append(info)
        if let encryption = sa.encryption {
            guard let name = encryption.kernelName else { throw KernelError("no kernel cipher for \(encryption)") }
            request.appendAttribute(IKE_XFRMA_ALG_CRYPT, algorithm(name: name, key: sa.encryptionKey, truncationBits: nil))
        }
        if let integrity = sa.integrity {
            guard let name = integrity.kernelName, let truncation = integrity.truncationBits else { throw KernelError("no kernel algorithm for \(integrity)") }
            request.appendAttribute(IKE_XFRMA_ALG_AUTH_TRUNC, algorithm(name: name, key: sa.integrityKey, truncationBits: truncation))
        }
        if let encapsulation = sa.udpEncapsulation {
            guard sa.protocolID == .esp else { throw KernelError("UDP encapsulation is for ESP only (RFC 3948)") }
            var template = xfrm_encap_tmpl()
            template.encap_type = UInt16(UDP_ENCAP_ESPINUDP)
            template.encap_sport = encapsulation.sourcePort.bigEndian
            template.encap_dport = encapsulation.destinationPort.bigEndian
            if let original = encapsulation.originalAddress { template.encap_oa = address(original) }
            request.appendAttribute(IKE_XFRMA_ENCAP, value: template)
        }
        if sa.replayWindow > 32 {
            var replay = xfrm_replay_state_esn()
            replay.bmp_len = (sa.replayWindow + 31) / 32
            replay.replay_window = sa.replayWindow
            var bytes = withUnsafeBytes(of: replay) { Array($0) }
            bytes += [UInt8](repeating: 0, count: Int(replay.bmp_len) * 4)
            request.appendAttribute(IKE_XFRMA_REPLAY_ESN_VAL, bytes)
        }
        return request
    }

    /// `struct xfrm_algo` or, with a truncation, `struct xfrm_algo_auth`, followed by the key.
    private static func algorithm(name: String, key: SecretBytes, truncationBits: Int?) -> [UInt8] {
        var bytes: [UInt8]
        if let truncationBits {
            var value = xfrm_algo_auth()
            value.alg_key_len = UInt32(key.count * 8)
            value.alg_trunc_len = UInt32(truncationBits)
            bytes = withUnsafeBytes(of: value) { Array($0) }
        } else {
            var value = xfrm_algo()
            value.alg_key_len = UInt32(key.count * 8)
            bytes = withUnsafeBytes(of: value) { Array($0) }
        }
        // alg_name is the first field: 64 bytes, NUL-terminated.
        for (index, byte) in name.utf8.prefix(63).enumerated() { bytes[index] = byte }
        key.withUnsafeBytes { bytes += $0 }
        return bytes
    }

    /// XFRM_MSG_ALLOCSPI: a larval inbound SA with an SPI the kernel picks from `range`.
    static func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress, mode: IPsecMode, reqid: UInt32,
                            range: ClosedRange<UInt32>) -> NetlinkRequest {
        var info = xfrm_userspi_info()
        info.info.id.daddr = address(destination)
        info.info.id.proto = ipProtocol(protocolID)
        info.info.saddr = address(source)
        info.info.family = family(ipv4: destination.isIPv4)
        info.info.mode = mode == .tunnel ? IKE_XFRM_MODE_TUNNEL : IKE_XFRM_MODE_TRANSPORT
        info.info.reqid = reqid
        info.min = range.lowerBound
        info.max = range.upperBound
        var request = NetlinkRequest(type: IKE_XFRM_MSG_ALLOCSPI, flags: 0)
        request.append(info)
        return request
    }

    /// XFRM_MSG_DELSA.
    static func deleteSA(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> NetlinkRequest {
        var request = NetlinkRequest(type: IKE_XFRM_MSG_DELSA, flags: IKE_NLM_F_ACK)
        request.append(saID(spi: spi, protocolID: protocolID, destination: destination))
        return request
    }

    /// XFRM_MSG_GETSA: one SA with its counters.
    static func getSA(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> NetlinkRequest {
        var request = NetlinkRequest(type: IKE_XFRM_MSG_GETSA, flags: 0)
        request.append(saID(spi: spi, protocolID: protocolID, destination: destination))
        return request
    }

    /// How XFRM names one SA: destination, SPI and protocol.
    private static func saID(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> xfrm_usersa_id {
        var id = xfrm_usersa_id()
        id.daddr = address(destination)
        id.spi = spi.bigEndian
        id.family = family(ipv4: destination.isIPv4)
        id.proto = ipProtocol(protocolID)
        return id
    }

    /// XFRM_MSG_NEWPOLICY with its templates.
    static func addPolicy(_ policy: KernelPolicy) -> NetlinkRequest {
        var info = xfrm_userpolicy_info()
        info.sel = selector(policy.selector)
        info.lft = unlimited
        info.priority = policy.priority
        info.index = policy.index
        info.dir = direction(policy.direction)
        info.action = policy.action == .allow ? IKE_XFRM_POLICY_ALLOW : IKE_XFRM_POLICY_BLOCK
        var request = NetlinkRequest(type: IKE_XFRM_MSG_NEWPOLICY, flags: IKE_NLM_F_ACK)
        request.append(info)
        if !policy.templates.isEmpty {
            var bytes: [UInt8] = []
            for template in policy.templates {
                var value = xfrm_user_tmpl()
                value.id.proto = ipProtocol(template.protocolID)
                value.family = family(ipv4: policy.selector.isIPv4)
                value.mode = mode(template.mode)
                value.reqid = template.reqid
                if let source = template.tunnelSource, let destination = template.tunnelDestination {
                    value.saddr = address(source)
                    value.id.daddr = address(destination)
                    value.family = family(ipv4: destination.isIPv4)
                }
                // Every algorithm: what the policy allows is decided by the daemon during the negotiation.
                value.aalgos = ~0
                value.ealgos = ~0
                value.calgos = ~0
                bytes += withUnsafeBytes(of: value) { Array($0) }
            }
            request.appendAttribute(IKE_XFRMA_TMPL, bytes)
        }
        return request
    }

    /// XFRM_MSG_DELPOLICY by the kernel's index, or by direction and selector when the index is not known.
    static func deletePolicy(_ policy: KernelPolicy) -> NetlinkRequest {
        var id = xfrm_userpolicy_id()
        id.index = policy.index
        id.dir = direction(policy.direction)
        if policy.index == 0 { id.sel = selector(policy.selector) }
        var request = NetlinkRequest(type: IKE_XFRM_MSG_DELPOLICY, flags: IKE_NLM_F_ACK)
        request.append(id)
        return request
    }

    /// XFRM_MSG_FLUSHPOLICY (main policy type).
    static func flushPolicies() -> NetlinkRequest {
        NetlinkRequest(type: IKE_XFRM_MSG_FLUSHPOLICY, flags: IKE_NLM_F_ACK)
    }

    /// XFRM_MSG_GETPOLICY as a dump of every policy.
    static func dumpPolicies() -> NetlinkRequest {
        var request = NetlinkRequest(type: IKE_XFRM_MSG_GETPOLICY, flags: IKE_NLM_F_DUMP)
        request.append(xfrm_userpolicy_id())
        return request
    }

    static func direction(_ direction: KernelPolicyDirection) -> UInt8 {
        switch direction {
        case .in: IKE_XFRM_POLICY_IN
        case .out: IKE_XFRM_POLICY_OUT
        case .fwd: IKE_XFRM_POLICY_FWD
        }
    }

    static func direction(_ value: UInt8) -> KernelPolicyDirection? {
        switch value {
        case IKE_XFRM_POLICY_IN: .in
        case IKE_XFRM_POLICY_OUT: .out
        case IKE_XFRM_POLICY_FWD: .fwd
        default: nil
        }
    }
}
