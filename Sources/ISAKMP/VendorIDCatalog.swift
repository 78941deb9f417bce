/// Vendor IDs recognised by name (RFC 3947 and the NAT-T drafts, RFC 3706 DPD, IKE fragmentation, XAUTH,
/// Cisco Unity, strongSwan, Libreswan/Openswan). Most are MD5 hashes of a string; some carry version or
/// capability bytes after a fixed prefix.
public enum VendorIDCatalog {
    /// One known vendor ID.
    public struct Entry: Sendable {
        public let bytes: [UInt8]
        public let name: String
        /// Whether longer IDs that start with `bytes` are the same vendor (version/capability suffixes).
        public let matchesPrefix: Bool
    }

    public static let rfc3947NATTraversal = hex("4a131c81070358455c5728f20e95452f")
    public static let natTraversalDraft02 = hex("cd60464335df21f87cfdb2fc68b6a448")
    public static let natTraversalDraft02Newline = hex("90cb80913ebb696e086381b5ec427b1f")
    public static let natTraversalDraft03 = hex("7d9419a65310ca6f2c179d9215529d56")
    public static let deadPeerDetection = hex("afcad71368a1f1c96b8696fc77570100")
    public static let fragmentation = hex("4048b7d56ebce88525e7de7f00d6c2d3")

    /// The catalogue, checked in order (exact entries before prefixes that might overlap them).
    public static let entries: [Entry] = [
        Entry(bytes: rfc3947NATTraversal, name: "RFC 3947 NAT-T", matchesPrefix: false),
        Entry(bytes: hex("4485152d18b6bbcd0be8a8469579ddcc"), name: "draft-ietf-ipsec-nat-t-ike-00", matchesPrefix: false),
        Entry(bytes: hex("16f6ca16e4a4066d83821a0f0aeaa862"), name: "draft-ietf-ipsec-nat-t-ike-01", matchesPrefix: false),
        Entry(bytes: natTraversalDraft02, name: "draft-ietf-ipsec-nat-t-ike-02", matchesPrefix: false),
        Entry(bytes: natTraversalDraft02Newline, name: "draft-ietf-ipsec-nat-t-ike-02\\n", matchesPrefix: false),
        Entry(bytes: natTraversalDraft03, name: "draft-ietf-ipsec-nat-t-ike-03", matchesPrefix: false),
        Entry(bytes: hex("9909b64eed937c6573de52ace952fa6b"), name: "draft-ietf-ipsec-nat-t-ike-04", matchesPrefix: false),
        Entry(bytes: hex("80d0bb3def54565ee84645d4c85ce3ee"), name: "draft-ietf-ipsec-nat-t-ike-05", matchesPrefix: false),
        Entry(bytes: hex("4d1e0e136deafa34c4f3ea9f02ec7285"), name: "draft-ietf-ipsec-nat-t-ike-06", matchesPrefix: false),
        Entry(bytes: hex("439b59f8ba676c4c7737ae22eab8f582"), name: "draft-ietf-ipsec-nat-t-ike-07", matchesPrefix: false),
        Entry(bytes: hex("8f8d83826d246b6fc7a8a6a428c11de8"), name: "draft-ietf-ipsec-nat-t-ike-08", matchesPrefix: false),
        Entry(bytes: hex("42ea5b6f898d9773a575df26e7dd19e1"), name: "draft-ietf-ipsec-nat-t-ike-09", matchesPrefix: false),
        Entry(bytes: hex("27bab5dc01ea0760ea4e3190ac27c0d0"), name: "draft-stenberg-ipsec-nat-traversal-01", matchesPrefix: false),
        Entry(bytes: hex("6105c422e76847e43f9684801292aecd"), name: "draft-stenberg-ipsec-nat-traversal-02", matchesPrefix: false),
        // RFC 3706 §7: the last two bytes are the major and minor version.
        Entry(bytes: Array(deadPeerDetection.prefix(14)), name: "RFC 3706 DPD", matchesPrefix: true),
        // MD5("FRAGMENTATION"), optionally followed by a 4-byte capability field.
        Entry(bytes: fragmentation, name: "IKE Fragmentation", matchesPrefix: true),
        Entry(bytes: hex("09002689dfd6b712"), name: "XAUTH", matchesPrefix: false),
        // MD5("CISCO-UNITY") with the last two bytes replaced by the version.
        Entry(bytes: hex("12f5f28c457168a9702d9fe274cc"), name: "Cisco Unity", matchesPrefix: true),
        Entry(bytes: hex("882fe56d6fd20dbc2251613b2ebe5beb"), name: "strongSwan", matchesPrefix: false),
        Entry(bytes: Array("OE-Libreswan-".utf8), name: "Libreswan", matchesPrefix: true),
        Entry(bytes: Array("OEN".utf8), name: "Libreswan (old)", matchesPrefix: true),
        Entry(bytes: Array("OSW".utf8), name: "Openswan", matchesPrefix: true),
    ]

    /// The vendor's name, or nil when the ID is not in the catalogue.
    public static func name(of vendorID: [UInt8]) -> String? {
        for entry in entries {
            if entry.matchesPrefix ? vendorID.starts(with: entry.bytes) : vendorID == entry.bytes {
                if entry.matchesPrefix, vendorID.count > entry.bytes.count, entry.bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                    // Text vendor IDs (Libreswan) carry their version as text.
                    return "\(entry.name) (\(String(decoding: vendorID.dropFirst(entry.bytes.count).filter { $0 >= 0x20 && $0 < 0x7F }, as: UTF8.self)))"
                }
                return entry.name
            }
        }
        return nil
    }

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else {
                preconditionFailure("bad hex constant \(text)")
            }
            bytes.append(value)
        }
        return bytes
    }
}
