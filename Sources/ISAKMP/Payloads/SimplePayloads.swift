import IPsecTypes

/// A CERT payload (RFC 2408 §3.9).
public struct CertificatePayload: Equatable, Sendable {
    public var encoding: CertificateEncoding
    public var data: [UInt8]
    public init(encoding: CertificateEncoding, data: [UInt8]) {
        self.encoding = encoding
        self.data = data
    }
}

/// A CR payload (RFC 2408 §3.10): a certificate type and an optional CA name (DER DN).
public struct CertificateRequestPayload: Equatable, Sendable {
    public var encoding: CertificateEncoding
    public var authority: [UInt8]
    public init(encoding: CertificateEncoding, authority: [UInt8]) {
        self.encoding = encoding
        self.authority = authority
    }
}

/// A NAT-OA payload (RFC 3947 §5.2): the original address as an ID type plus address.
public struct NATOriginalAddressPayload: Equatable, Sendable {
    public var idType: IdentificationType
    public var address: IPAddress
    public init(idType: IdentificationType, address: IPAddress) {
        self.idType = idType
        self.address = address
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> NATOriginalAddressPayload {
        let idType = IdentificationType(rawValue: try reader.readUInt8("NAT-OA ID type"))
        _ = try reader.readBytes(3, "NAT-OA reserved")
        guard idType == .ipv4Address || idType == .ipv6Address, let length = idType.fixedDataLength,
              reader.remaining == length, let address = IPAddress(bytes: reader.readRest())
        else {
            throw ISAKMPError(.payloadMalformed, "NAT-OA with \(idType) and \(reader.remaining) address bytes")
        }
        return NATOriginalAddressPayload(idType: idType, address: address)
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(idType.rawValue)
        writer.write(contentsOf: [0, 0, 0])
        writer.write(contentsOf: address.bytes)
    }
}

/// A Mode Config / XAUTH attribute payload (draft-ietf-ipsec-isakmp-mode-cfg-05 §3.2).
public struct ConfigurationAttributePayload: Equatable, Sendable {
    /// ISAKMP_CFG_REQUEST 1, REPLY 2, SET 3, ACK 4.
    public var configType: UInt8
    public var identifier: UInt16
    public var attributes: [DataAttribute]

    public static let configTypeNames: [UInt8: String] = [1: "CFG_REQUEST", 2: "CFG_REPLY", 3: "CFG_SET", 4: "CFG_ACK"]

    public init(configType: UInt8, identifier: UInt16, attributes: [DataAttribute]) {
        self.configType = configType
        self.identifier = identifier
        self.attributes = attributes
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> ConfigurationAttributePayload {
        let type = try reader.readUInt8("config type")
        _ = try reader.readUInt8("config reserved")
        let identifier = try reader.readUInt16("config identifier")
        return ConfigurationAttributePayload(configType: type, identifier: identifier, attributes: try DataAttribute.decodeAll(&reader))
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(configType)
        writer.write(UInt8(0))
        writer.write(identifier)
        for attribute in attributes { attribute.encode(into: &writer) }
    }
}

/// An IKEv1 fragment payload (the vendor-ID-negotiated fragmentation of Cisco, strongSwan and Libreswan).
public struct FragmentPayload: Equatable, Sendable {
    public var fragmentID: UInt16
    public var number: UInt8
    /// Bit 0: last fragment.
    public var flags: UInt8
    public var data: [UInt8]
    public var isLast: Bool { flags & 0x01 != 0 }

    public init(fragmentID: UInt16, number: UInt8, flags: UInt8, data: [UInt8]) {
        self.fragmentID = fragmentID
        self.number = number
        self.flags = flags
        self.data = data
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> FragmentPayload {
        let id = try reader.readUInt16("fragment ID")
        let number = try reader.readUInt8("fragment number")
        let flags = try reader.readUInt8("fragment flags")
        guard number > 0, !reader.isAtEnd else {
            // A zero-length fragment crashed racoon (Debian 0.7.1-1.4); fragment numbers start at 1.
            throw ISAKMPError(.payloadMalformed, "fragment #\(number) with \(reader.remaining) data bytes")
        }
        return FragmentPayload(fragmentID: id, number: number, flags: flags, data: reader.readRest())
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(fragmentID)
        writer.write(number)
        writer.write(flags)
        writer.write(contentsOf: data)
    }
}
