import ISAKMP

/// Announces IKEv1 fragmentation (the vendor ID MD5("FRAGMENTATION") with capability 0x80000000:
/// Main and Aggressive Mode messages may be fragmented) in MM1, and in MM2 only to an initiator
/// that announced it, as strongSwan does; records a peer that announced it (16 bytes alone, as
/// Windows sends it, or with that capability bit), so our large messages to it go in fragments.
struct FragmentationContributor: MainModeContributor {
    static let vendorID = VendorIDCatalog.fragmentation + [0x80, 0, 0, 0]

    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload] {
        guard engine.settings.fragmentation else { return [] }
        switch message {
        case .mm1: return [Payload(.vendorID(Self.vendorID))]
        case .mm2: return sa.peerSupportsFragmentation ? [Payload(.vendorID(Self.vendorID))] : []
        case .mm3, .mm4, .mm5, .mm6: return []
        }
    }

    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) {
        guard engine.settings.fragmentation, message == .mm1 || message == .mm2 else { return }
        for payload in payloads {
            guard case .vendorID(let bytes) = payload.content, Self.announcesFragmentation(bytes) else { continue }
            sa.peerSupportsFragmentation = true
        }
    }

    static func announcesFragmentation(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 16, bytes.prefix(16).elementsEqual(VendorIDCatalog.fragmentation) else { return false }
        switch bytes.count {
        case 16: return true
        case 20: return bytes[16] & 0x80 != 0
        default: return false
        }
    }
}
