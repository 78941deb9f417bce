import IPsecTypes
import ISAKMP

/// Phase 1 encryption keys for decrypting captures: one line per ISAKMP SA,
///
///     # initiator-cookie  responder-cookie  algorithm  key
///     4c2e410741c995a0    ec3822ef4222f432  aes        7a3832e735beeacb69f027a31fb3f055
///
/// The same facts as Wireshark's IKEv1 decryption table (which also is accepted: `icookie,key`, the
/// algorithm then comes from the negotiated SA). Fields are separated by blanks or commas; `#` starts
/// a comment; the algorithm is an ike.config `encr_alg` name and the key length follows from the key.
public struct KeyTable: Sendable {
    public struct Entry: Sendable {
        public var initiatorCookie: Cookie
        public var responderCookie: Cookie?
        public var algorithm: EncryptionAlgorithm?
        public var key: [UInt8]
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    /// Parses a table; errors name the line.
    public init(text: String, source: String = "keys") throws(CaptureError) {
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" }).map(String.init)
            if fields.isEmpty { continue }
            let location = "\(source):\(index + 1)"
            func cookie(_ text: String) throws(CaptureError) -> Cookie {
                guard let bytes = Self.hex(text), bytes.count == 8 else {
                    throw CaptureError("\(location): '\(text)' is not an 8-byte cookie in hex")
                }
                return Cookie(bytes)
            }
            func key(_ text: String) throws(CaptureError) -> [UInt8] {
                guard let bytes = Self.hex(text), !bytes.isEmpty else { throw CaptureError("\(location): '\(text)' is not a key in hex") }
                return bytes
            }
            switch fields.count {
            case 2:
                entries.append(Entry(initiatorCookie: try cookie(fields[0]), responderCookie: nil, algorithm: nil, key: try key(fields[1])))
            case 4:
                guard let algorithm = EncryptionAlgorithm.configNames[fields[2].lowercased()] else {
                    throw CaptureError("\(location): unknown encryption algorithm '\(fields[2])' (des, 3des, blowfish, aes)")
                }
                entries.append(Entry(initiatorCookie: try cookie(fields[0]), responderCookie: try cookie(fields[1]), algorithm: algorithm, key: try key(fields[3])))
            default:
                throw CaptureError("\(location): expected 'icookie rcookie algorithm key' or 'icookie,key', found \(fields.count) fields")
            }
        }
    }

    /// The entry for an SA.
    public func entry(initiator: Cookie, responder: Cookie) -> Entry? {
        entries.first { $0.initiatorCookie == initiator && ($0.responderCookie == nil || $0.responderCookie == responder) }
    }

    static func hex(_ text: String) -> [UInt8]? {
        var digits = Substring(text)
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits = digits.dropFirst(2) }
        digits = Substring(digits.filter { $0 != ":" })
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}
