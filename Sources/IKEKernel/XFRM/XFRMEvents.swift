import CXFRM
import IPsecTypes

/// Reading what the kernel sends: policies (dump answers and notifications), ACQUIRE, EXPIRE, and
/// the SA notifications that tell of deletes and flushes by others.
extension XFRMCodec {
    /// What one message from the kernel means to the daemon: an event, nothing of interest
    /// (`.ignored`), or a message that does not parse (`.malformed`).
    enum Reading: Equatable {
        case event(KernelEvent)
        case ignored
        case malformed
    }

    static func read(_ message: NetlinkReply) -> Reading {
        switch message.type {
        case IKE_XFRM_MSG_ACQUIRE:
            guard let acquire = acquire(message) else { return .malformed }
            return .event(.acquire(acquire))
        case IKE_XFRM_MSG_EXPIRE:
            guard let expire = message.fixed(xfrm_user_expire.self), let destination = ipAddress(expire.state.id.daddr, family: expire.state.family)
            else { return .malformed }
            guard let protocolID = securityProtocol(expire.state.id.proto) else { return .ignored }
            return .event(.expired(spi: UInt32(bigEndian: expire.state.id.spi), protocolID: protocolID, destination: destination, hard: expire.hard != 0))
        case IKE_XFRM_MSG_DELSA:
            guard let id = message.fixed(xfrm_usersa_id.self), let destination = ipAddress(id.daddr, family: id.family) else { return .malformed }
            guard let protocolID = securityProtocol(id.proto) else { return .ignored }
            return .event(.deleted(spi: UInt32(bigEndian: id.spi), protocolID: protocolID, destination: destination))
        case IKE_XFRM_MSG_MAPPING:
            guard let mapping = message.fixed(xfrm_user_mapping.self), let destination = ipAddress(mapping.id.daddr, family: mapping.id.family),
                  let source = ipAddress(mapping.new_saddr, family: mapping.id.family)
            else { return .malformed }
            guard let protocolID = securityProtocol(mapping.id.proto) else { return .ignored }
            return .event(.mapping(spi: UInt32(bigEndian: mapping.id.spi), protocolID: protocolID, destination: destination,
                                   newSource: source, newPort: UInt16(bigEndian: mapping.new_sport)))
        case IKE_XFRM_MSG_FLUSHSA:
            guard let flush = message.fixed(xfrm_usersa_flush.self) else { return .malformed }
            return flush.proto == 0 || securityProtocol(flush.proto) != nil ? .event(.flushed) : .ignored
        case IKE_XFRM_MSG_NEWPOLICY, IKE_XFRM_MSG_UPDPOLICY, IKE_XFRM_MSG_DELPOLICY, IKE_XFRM_MSG_FLUSHPOLICY, IKE_XFRM_MSG_POLEXPIRE:
            return .event(.policiesChanged)
        default:
            return .ignored
        }
    }

    /// A policy from a dump answer (`struct xfrm_userpolicy_info` and its templates); nil for socket
    /// policies and anything malformed.
    static func policy(_ message: NetlinkReply) -> KernelPolicy? {
        guard message.type == IKE_XFRM_MSG_NEWPOLICY, let info = message.fixed(xfrm_userpolicy_info.self),
              let attributes = message.attributes(after: MemoryLayout<xfrm_userpolicy_info>.size)
        else { return nil }
        return policy(info, templates: attributes[IKE_XFRMA_TMPL])
    }

    static func policy(_ info: xfrm_userpolicy_info, templates: ArraySlice<UInt8>?) -> KernelPolicy? {
        guard let direction = direction(info.dir), let selector = kernelSelector(info.sel) else { return nil }
        var result = KernelPolicy(direction: direction, selector: selector, action: info.action == IKE_XFRM_POLICY_ALLOW ? .allow : .block,
                                  priority: info.priority)
        result.index = info.index
        if let templates {
            guard let parsed = self.templates(templates) else { return nil }
            result.templates = parsed
        }
        return result
    }

    static func templates(_ bytes: ArraySlice<UInt8>) -> [KernelTemplate]? {
        let size = MemoryLayout<xfrm_user_tmpl>.size
        guard bytes.count % size == 0 else { return nil }
        var result: [KernelTemplate] = []
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            guard let value = bytes[offset..<offset + size].load(xfrm_user_tmpl.self) else { return nil }
            offset += size
            guard let protocolID = securityProtocol(value.id.proto) else { continue }
            let tunnel = value.mode == IKE_XFRM_MODE_TUNNEL
            result.append(KernelTemplate(protocolID: protocolID, mode: tunnel ? .tunnel : .transport, reqid: value.reqid,
                                         tunnelSource: tunnel ? ipAddress(value.saddr, family: value.family) : nil,
                                         tunnelDestination: tunnel ? ipAddress(value.id.daddr, family: value.family) : nil))
        }
        return result
    }

    /// XFRM_MSG_ACQUIRE: `struct xfrm_user_acquire` (SA endpoints, the flow, the policy) and the
    /// policy's templates.
    static func acquire(_ message: NetlinkReply) -> KernelAcquire? {
        guard let value = message.fixed(xfrm_user_acquire.self),
              let attributes = message.attributes(after: MemoryLayout<xfrm_user_acquire>.size),
              let destination = ipAddress(value.id.daddr, family: value.policy.sel.family),
              let source = ipAddress(value.saddr, family: value.policy.sel.family),
              let flow = kernelSelector(value.sel),
              var policy = policy(value.policy, templates: attributes[IKE_XFRMA_TMPL]),
              let protocolID = securityProtocol(value.id.proto)
        else { return nil }
        // Tunnel templates carry the SA's endpoints; the acquire names the one it is for by them.
        let template = policy.templates.first { $0.protocolID == protocolID && ($0.tunnelDestination == nil || $0.tunnelDestination == destination) }
            ?? KernelTemplate(protocolID: protocolID, mode: .transport, reqid: 0)
        if policy.templates.isEmpty { policy.templates = [template] }
        return KernelAcquire(source: source, destination: destination, policy: policy, template: template, flow: flow, sequence: value.seq)
    }
}
