import IPsecTypes

/// The ID payload (RFC 2408 §3.8) in its IPsec DOI form (RFC 2407 §4.6.2): type, IP protocol, port, data.
public struct IdentificationPayload: Equatable, Sendable {
    public var idType: IdentificationType
    /// IP protocol (0 = any); in Phase 1 UDP 17 or 0 (RFC 2407 §4.6.2).
    public var protocolID: UInt8
    /// Port (0 = any); in Phase 1 500 or 0.
    public var port: UInt16
    public var data: [UInt8]

    public init(idType: IdentificationType, protocolID: UInt8 = 0, port: UInt16 = 0, data: [UInt8]) {
        self.idType = idType
        self.protocolID = protocolID
        self.port = port
        self.data = data
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> IdentificationPayload {
        let idType = IdentificationType(rawValue: try reader.readUInt8("ID type"))
        let protocolID = try reader.readUInt8("ID protocol")
        let port = try reader.readUInt16("ID port")
        let data = reader.readRest()
        if let expected = idType.fixedDataLength, data.count != expected {
            throw ISAKMPError(.invalidIDInformation, "\(idType) carries \(data.count) bytes, not \(expected)")
        }
        if data.isEmpty {
            throw ISAKMPError(.invalidIDInformation, "\(idType) with no identification data")
        }
        return IdentificationPayload(idType: idType, protocolID: protocolID, port: port, data: data)
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(idType.rawValue)
        writer.write(protocolID)
        writer.write(port)
        writer.write(contentsOf: data)
    }

    /// The identity in readable form: addresses, prefixes and ranges as text, names as strings,
    /// DNs and key IDs as hex.
    public var identityDescription: String {
        switch idType {
        case .ipv4Address, .ipv6Address:
            return IPAddress(bytes: data)?.description ?? data.hexString
        case .ipv4Subnet, .ipv6Subnet:
            let half = data.count / 2
            guard let address = IPAddress(bytes: Array(data[..<half])), let mask = IPAddress(bytes: Array(data[half...])) else {
                return data.hexString
            }
            if let prefix = mask.prefixLength { return "\(address)/\(prefix)" }
            return "\(address)/\(mask)"
        case .ipv4Range, .ipv6Range:
            let half = data.count / 2
            guard let first = IPAddress(bytes: Array(data[..<half])), let last = IPAddress(bytes: Array(data[half...])) else {
                return data.hexString
            }
            return "\(first)-\(last)"
        case .fqdn, .userFQDN:
            return String(decoding: data, as: UTF8.self)
        default:
            return data.hexString
        }
    }
}
