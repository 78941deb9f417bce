import ISAKMP

/// Vendor IDs (RFC 2408 §3.16) in MM1 and MM2: the ones we announce (only what we implement: RFC
/// 3706 DPD here; NATTraversalContributor adds the NAT-T ones), and the peer's, recorded on the SA so `ikeadm dump
/// p1` shows which extensions it announced.
struct VendorIDContributor: MainModeContributor {
    /// What this daemon announces.
    static let announced: [[UInt8]] = [VendorIDCatalog.deadPeerDetection]

    func payloads(for message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) -> [Payload] {
        switch message {
        case .mm1, .mm2: Self.announced.map { Payload(.vendorID($0)) }
        case .mm3, .mm4, .mm5, .mm6: []
        }
    }

    func received(_ payloads: [Payload], in message: MainModeMessage, on sa: Phase1SA, engine: IKEEngine) {
        for payload in payloads {
            guard case .vendorID(let bytes) = payload.content, !sa.peerVendorIDs.contains(bytes), sa.peerVendorIDs.count < 32 else { continue }
            sa.peerVendorIDs.append(bytes)
        }
    }
}
