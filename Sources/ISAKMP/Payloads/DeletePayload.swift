import IPsecTypes

/// The Delete payload (RFC 2408 §3.15): one protocol, any number of SPIs of one size.
public struct DeletePayload: Equatable, Sendable {
    public var doi: DomainOfInterpretation
    public var protocolID: SecurityProtocol
    /// Every SPI has this many bytes (16 = both cookies for ISAKMP, 4 for ESP/AH).
    public var spiSize: UInt8
    public var spis: [[UInt8]]

    public init(doi: DomainOfInterpretation = .ipsec, protocolID: SecurityProtocol, spiSize: UInt8, spis: [[UInt8]]) {
        precondition(spis.allSatisfy { $0.count == Int(spiSize) }, "every SPI of a delete has the same size")
        self.doi = doi
        self.protocolID = protocolID
        self.spiSize = spiSize
        self.spis = spis
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> DeletePayload {
        let doi = DomainOfInterpretation(rawValue: try reader.readUInt32("delete DOI"))
        let protocolID = SecurityProtocol(rawValue: try reader.readUInt8("delete protocol"))
        let spiSize = try reader.readUInt8("delete SPI size")
        let count = Int(try reader.readUInt16("delete SPI count"))
        // The count is checked against the bytes present before anything is allocated
        // (isakmpd CVE-2004-0221 read past the payload on a huge count).
        guard spiSize > 0, count > 0, Int(spiSize) * count == reader.remaining else {
            throw ISAKMPError(.payloadMalformed, "delete announces \(count) SPIs of \(spiSize) bytes but holds \(reader.remaining) bytes")
        }
        var spis: [[UInt8]] = []
        spis.reserveCapacity(count)
        for _ in 0..<count { spis.append(try reader.readBytes(Int(spiSize), "delete SPI")) }
        return DeletePayload(doi: doi, protocolID: protocolID, spiSize: spiSize, spis: spis)
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(doi.rawValue)
        writer.write(protocolID.rawValue)
        writer.write(spiSize)
        writer.write(UInt16(spis.count))
        for spi in spis { writer.write(contentsOf: spi) }
    }
}
