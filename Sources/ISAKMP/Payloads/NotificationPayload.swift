import IPsecTypes

/// The Notification payload (RFC 2408 §3.14).
public struct NotificationPayload: Equatable, Sendable {
    public var doi: DomainOfInterpretation
    public var protocolID: SecurityProtocol
    public var type: NotifyMessageType
    /// SPI of the SA the notify concerns (the two cookies, 16 bytes, for ISAKMP; may be empty).
    public var spi: [UInt8]
    public var data: [UInt8]

    public init(doi: DomainOfInterpretation = .ipsec, protocolID: SecurityProtocol, type: NotifyMessageType, spi: [UInt8] = [], data: [UInt8] = []) {
        self.doi = doi
        self.protocolID = protocolID
        self.type = type
        self.spi = spi
        self.data = data
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> NotificationPayload {
        let doi = DomainOfInterpretation(rawValue: try reader.readUInt32("notify DOI"))
        let protocolID = SecurityProtocol(rawValue: try reader.readUInt8("notify protocol"))
        let spiSize = Int(try reader.readUInt8("notify SPI size"))
        let type = NotifyMessageType(rawValue: try reader.readUInt16("notify type"))
        guard spiSize <= reader.remaining else {
            throw ISAKMPError(.payloadMalformed, "notify \(type) SPI size \(spiSize) exceeds the \(reader.remaining) bytes left")
        }
        let spi = try reader.readBytes(spiSize, "notify SPI")
        return NotificationPayload(doi: doi, protocolID: protocolID, type: type, spi: spi, data: reader.readRest())
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(doi.rawValue)
        writer.write(protocolID.rawValue)
        writer.write(UInt8(spi.count))
        writer.write(type.rawValue)
        writer.write(contentsOf: spi)
        writer.write(contentsOf: data)
    }
}
