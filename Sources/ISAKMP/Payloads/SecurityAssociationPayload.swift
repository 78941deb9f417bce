import IPsecTypes

/// The SA payload (RFC 2408 §3.4) with the IPsec DOI situation (RFC 2407 §4.6.1) and its proposals.
public struct SecurityAssociationPayload: Equatable, Sendable {
    /// SIT_IDENTITY_ONLY: the only situation IKE implementations use (RFC 2407 §4.2).
    public static let identityOnly: UInt32 = 0x01
    static let secrecyOrIntegrity: UInt32 = 0x06

    public var doi: DomainOfInterpretation
    public var situation: UInt32
    public var proposals: [ProposalPayload]

    public init(doi: DomainOfInterpretation = .ipsec, situation: UInt32 = identityOnly, proposals: [ProposalPayload]) {
        self.doi = doi
        self.situation = situation
        self.proposals = proposals
    }

    static func decode(_ reader: inout ByteReader) throws(ISAKMPError) -> SecurityAssociationPayload {
        let doi = DomainOfInterpretation(rawValue: try reader.readUInt32("SA DOI"))
        guard doi == .ipsec || doi == .isakmp else {
            throw ISAKMPError(.doiNotSupported, "SA payload with DOI \(doi.rawValue)")
        }
        let situation = try reader.readUInt32("SA situation")
        // Secrecy and integrity situations add labelled-domain fields nobody deploys (RFC 2407 §4.6.1).
        guard situation & secrecyOrIntegrity == 0 else {
            throw ISAKMPError(.situationNotSupported, "situation 0x\(String(situation, radix: 16)) asks for secrecy/integrity labels")
        }
        var proposals: [ProposalPayload] = []
        var next = PayloadType.proposal
        while next != .none {
            guard next == .proposal else {
                throw ISAKMPError(.invalidPayloadType, "payload \(next.rawValue) inside an SA payload; only proposals may follow")
            }
            let start = reader.offset
            guard reader.remaining > 0 else {
                throw ISAKMPError(.payloadMalformed, "SA payload ends where a proposal was announced")
            }
            var body = try GenericPayloadHeader.decode(&reader, what: "proposal")
            let proposal = try ProposalPayload.decode(&body.reader, at: start)
            if let last = proposals.last, proposal.number < last.number {
                // RFC 2408 §4.2: proposal numbers are monotonically increasing (equal numbers form an AND).
                throw ISAKMPError(.badProposalSyntax, "proposal #\(proposal.number) after #\(last.number)")
            }
            proposals.append(proposal)
            next = body.next
        }
        guard reader.isAtEnd else {
            throw ISAKMPError(.payloadMalformed, "\(reader.remaining) bytes after the last proposal of the SA payload")
        }
        guard !proposals.isEmpty else {
            throw ISAKMPError(.badProposalSyntax, "SA payload without proposals")
        }
        return SecurityAssociationPayload(doi: doi, situation: situation, proposals: proposals)
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(doi.rawValue)
        writer.write(situation)
        for (index, proposal) in proposals.enumerated() {
            let isLast = index == proposals.count - 1
            GenericPayloadHeader.encode(next: isLast ? .none : .proposal, into: &writer) { writer in
                proposal.encode(into: &writer)
            }
        }
    }
}

/// A proposal inside an SA payload (RFC 2408 §3.5).
public struct ProposalPayload: Equatable, Sendable {
    public var number: UInt8
    public var protocolID: SecurityProtocol
    /// The SPI (empty for ISAKMP in Phase 1; 4 bytes for ESP/AH; 2 or 4 for IPComp).
    public var spi: [UInt8]
    public var transforms: [TransformPayload]

    public init(number: UInt8, protocolID: SecurityProtocol, spi: [UInt8] = [], transforms: [TransformPayload]) {
        self.number = number
        self.protocolID = protocolID
        self.spi = spi
        self.transforms = transforms
    }

    static func decode(_ reader: inout ByteReader, at start: Int) throws(ISAKMPError) -> ProposalPayload {
        let number = try reader.readUInt8("proposal number")
        let protocolID = SecurityProtocol(rawValue: try reader.readUInt8("protocol ID"))
        guard SecurityProtocol.registry[protocolID.rawValue] != nil else {
            // RFC 2407 §4.4.1 assigns 1-4; any other protocol has no attribute table to read with.
            throw ISAKMPError(.invalidProtocolID, "proposal #\(number) at offset \(start) names protocol \(protocolID.rawValue)")
        }
        let spiSize = Int(try reader.readUInt8("SPI size"))
        let count = Int(try reader.readUInt8("number of transforms"))
        guard spiSize <= reader.remaining else {
            throw ISAKMPError(.payloadMalformed, "proposal #\(number) at offset \(start): SPI size \(spiSize) exceeds the \(reader.remaining) bytes left")
        }
        let spi = try reader.readBytes(spiSize, "SPI")
        guard count > 0 else {
            throw ISAKMPError(.badProposalSyntax, "proposal #\(number) offers no transforms")
        }
        var transforms: [TransformPayload] = []
        var next = PayloadType.transform
        while next != .none {
            guard next == .transform else {
                throw ISAKMPError(.invalidPayloadType, "payload \(next.rawValue) inside proposal #\(number); only transforms may follow")
            }
            guard reader.remaining > 0 else {
                throw ISAKMPError(.badProposalSyntax, "proposal #\(number) announces \(count) transforms but holds \(transforms.count)")
            }
            var body = try GenericPayloadHeader.decode(&reader, what: "transform")
            let transform = try TransformPayload.decode(&body.reader, protocolID: protocolID)
            if transforms.contains(where: { $0.number == transform.number }) {
                // RFC 2408 §3.6: each transform for a protocol has a unique number.
                throw ISAKMPError(.badProposalSyntax, "transform #\(transform.number) twice in proposal #\(number)")
            }
            transforms.append(transform)
            next = body.next
        }
        guard reader.isAtEnd else {
            throw ISAKMPError(.payloadMalformed, "\(reader.remaining) bytes after the last transform of proposal #\(number)")
        }
        guard transforms.count == count else {
            throw ISAKMPError(.badProposalSyntax, "proposal #\(number) announces \(count) transforms but holds \(transforms.count)")
        }
        return ProposalPayload(number: number, protocolID: protocolID, spi: spi, transforms: transforms)
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(number)
        writer.write(protocolID.rawValue)
        writer.write(UInt8(spi.count))
        writer.write(UInt8(transforms.count))
        writer.write(contentsOf: spi)
        for (index, transform) in transforms.enumerated() {
            let isLast = index == transforms.count - 1
            GenericPayloadHeader.encode(next: isLast ? .none : .transform, into: &writer) { writer in
                transform.encode(into: &writer)
            }
        }
    }
}

/// A transform inside a proposal (RFC 2408 §3.6) with its SA attributes.
public struct TransformPayload: Equatable, Sendable {
    public var number: UInt8
    /// KEY_IKE for ISAKMP; an ESP/AH/IPComp transform ID otherwise (see the proposal's protocol).
    public var transformID: UInt8
    public var attributes: [DataAttribute]

    public init(number: UInt8, transformID: UInt8, attributes: [DataAttribute]) {
        self.number = number
        self.transformID = transformID
        self.attributes = attributes
    }

    static func decode(_ reader: inout ByteReader, protocolID: SecurityProtocol) throws(ISAKMPError) -> TransformPayload {
        let number = try reader.readUInt8("transform number")
        let transformID = try reader.readUInt8("transform ID")
        _ = try reader.readUInt16("transform reserved")
        // The proposal's protocol decides which transform IDs exist (RFC 2407 §4.4.1-§4.4.5) and which
        // attribute table applies: a KEY_IKE transform under ESP, or an ESP cipher under ISAKMP, is a
        // contradiction, not a transform to read with the wrong table.
        guard TransformPayload.allowsTransformID(transformID, under: protocolID) else {
            throw ISAKMPError(.badProposalSyntax, "transform #\(number) has ID \(transformID), which \(protocolID) does not define")
        }
        let attributes = try DataAttribute.decodeAll(&reader)
        for attribute in attributes where attribute.format == .typeLengthValue {
            // Attributes the RFCs mark basic must use the TV form (RFC 2408 §3.3, RFC 2409 App. A).
            let basic = protocolID == .isakmp
                ? Phase1AttributeType(rawValue: attribute.type).isBasic
                : IPsecAttributeType(rawValue: attribute.type).isBasic
            if basic {
                throw ISAKMPError(.badProposalSyntax, "basic attribute \(attribute.type) sent in TLV form in transform #\(number)")
            }
        }
        return TransformPayload(number: number, transformID: transformID, attributes: attributes)
    }

    func encode(into writer: inout ByteWriter) {
        writer.write(number)
        writer.write(transformID)
        writer.write(UInt16(0))
        for attribute in attributes { attribute.encode(into: &writer) }
    }

    /// Whether `transformID` is a transform of `protocolID`: KEY_IKE alone for ISAKMP; any non-reserved
    /// ID for AH (2-255), ESP and IPComp (1-255), unassigned ones included, since refusing those is the
    /// proposal choice's job (NO-PROPOSAL-CHOSEN), not the codec's.
    static func allowsTransformID(_ transformID: UInt8, under protocolID: SecurityProtocol) -> Bool {
        switch protocolID {
        case .isakmp: transformID == ISAKMPTransformID.keyIKE.rawValue
        case .ah: transformID >= 2
        default: transformID >= 1
        }
    }

    /// The first attribute of the given type.
    public func attribute(_ type: UInt16) -> DataAttribute? { attributes.first { $0.type == type } }
}
