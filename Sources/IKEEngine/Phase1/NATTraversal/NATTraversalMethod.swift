import IPsecTypes
import ISAKMP

/// Which NAT traversal specification a Phase 1 SA follows: RFC 3947, or one of the drafts peers
/// still announce beside it. Both ends announce what they support in MM1/MM2; the newest both know
/// is used, with its payload numbers (NAT-D 20 or 130, NAT-OA 21 or 131) and its encapsulation-mode
/// values (3/4 or 61443/61444). Peers that mix numbering fail in Quick Mode (peers.md "NAT-T drafts").
enum NATTraversalMethod: CaseIterable, Sendable, Comparable {
    // Oldest first: `Comparable` ranks by declaration order, so `max()` is the newest.
    case draft02
    case draft02Newline
    case draft03
    case rfc3947

    /// The vendor ID that announces the method (RFC 3947 §3.1; the drafts' MD5 strings).
    var vendorID: [UInt8] {
        switch self {
        case .rfc3947: VendorIDCatalog.rfc3947NATTraversal
        case .draft03: VendorIDCatalog.natTraversalDraft03
        case .draft02Newline: VendorIDCatalog.natTraversalDraft02Newline
        case .draft02: VendorIDCatalog.natTraversalDraft02
        }
    }

    /// The method a vendor ID announces, if it is one we implement.
    init?(vendorID: [UInt8]) {
        guard let method = Self.allCases.first(where: { $0.vendorID == vendorID }) else { return nil }
        self = method
    }

    /// The drafts number NAT-D, NAT-OA and the encapsulation modes from the private ranges.
    var usesDraftNumbers: Bool {
        switch self {
        case .rfc3947: false
        case .draft02, .draft02Newline, .draft03: true
        }
    }

    /// The Encapsulation Mode attribute of a UDP-encapsulated SA in `mode`.
    func encapsulation(_ mode: IPsecMode) -> EncapsulationMode {
        switch (mode, usesDraftNumbers) {
        case (.tunnel, false): .udpEncapsulatedTunnel
        case (.transport, false): .udpEncapsulatedTransport
        case (.tunnel, true): .udpEncapsulatedTunnelDraft
        case (.transport, true): .udpEncapsulatedTransportDraft
        }
    }

    var name: String {
        switch self {
        case .rfc3947: "RFC 3947"
        case .draft03: "draft-ietf-ipsec-nat-t-ike-03"
        case .draft02Newline: "draft-ietf-ipsec-nat-t-ike-02\\n"
        case .draft02: "draft-ietf-ipsec-nat-t-ike-02"
        }
    }
}
