import IPsecTypes

/// What a payload says, typed by its payload type.
public enum PayloadContent: Equatable, Sendable {
    case securityAssociation(SecurityAssociationPayload)
    case keyExchange([UInt8])
    case identification(IdentificationPayload)
    case certificate(CertificatePayload)
    case certificateRequest(CertificateRequestPayload)
    case hash([UInt8])
    case signature([UInt8])
    case nonce([UInt8])
    case notification(NotificationPayload)
    case delete(DeletePayload)
    case vendorID([UInt8])
    case attribute(ConfigurationAttributePayload)
    /// NAT-D hash; `draft` is true for payload number 130.
    case natDiscovery([UInt8], draft: Bool)
    /// NAT-OA; `draft` is true for payload number 131.
    case natOriginalAddress(NATOriginalAddressPayload, draft: Bool)
    case fragment(FragmentPayload)

    /// The payload type this content is sent as.
    public var type: PayloadType {
        switch self {
        case .securityAssociation: .securityAssociation
        case .keyExchange: .keyExchange
        case .identification: .identification
        case .certificate: .certificate
        case .certificateRequest: .certificateRequest
        case .hash: .hash
        case .signature: .signature
        case .nonce: .nonce
        case .notification: .notification
        case .delete: .delete
        case .vendorID: .vendorID
        case .attribute: .attribute
        case .natDiscovery(_, let draft): draft ? .natDiscoveryDraft : .natDiscovery
        case .natOriginalAddress(_, let draft): draft ? .natOriginalAddressDraft : .natOriginalAddress
        case .fragment: .fragment
        }
    }

    /// Decodes a payload body (without its generic header) of the given type.
    static func decode(type: PayloadType, body reader: inout ByteReader) throws(ISAKMPError) -> PayloadContent {
        switch type {
        case .securityAssociation:
            return .securityAssociation(try SecurityAssociationPayload.decode(&reader))
        case .keyExchange:
            return .keyExchange(try nonEmpty(&reader, "KE", notify: .invalidKeyInformation))
        case .identification:
            return .identification(try IdentificationPayload.decode(&reader))
        case .certificate:
            let encoding = CertificateEncoding(rawValue: try reader.readUInt8("certificate encoding"))
            return .certificate(CertificatePayload(encoding: encoding, data: reader.readRest()))
        case .certificateRequest:
            let encoding = CertificateEncoding(rawValue: try reader.readUInt8("certificate type"))
            return .certificateRequest(CertificateRequestPayload(encoding: encoding, authority: reader.readRest()))
        case .hash:
            return .hash(try nonEmpty(&reader, "HASH", notify: .invalidHashInformation))
        case .signature:
            return .signature(try nonEmpty(&reader, "SIG", notify: .invalidSignature))
        case .nonce:
            let nonce = reader.readRest()
            // RFC 2409 §5: a nonce is 8 to 256 bytes.
            guard (8...256).contains(nonce.count) else {
                throw ISAKMPError(.payloadMalformed, "nonce of \(nonce.count) bytes; RFC 2409 allows 8 to 256")
            }
            return .nonce(nonce)
        case .notification:
            return .notification(try NotificationPayload.decode(&reader))
        case .delete:
            return .delete(try DeletePayload.decode(&reader))
        case .vendorID:
            return .vendorID(try nonEmpty(&reader, "VID", notify: .payloadMalformed))
        case .attribute:
            return .attribute(try ConfigurationAttributePayload.decode(&reader))
        case .natDiscovery, .natDiscoveryDraft:
            return .natDiscovery(try nonEmpty(&reader, "NAT-D", notify: .payloadMalformed), draft: type == .natDiscoveryDraft)
        case .natOriginalAddress, .natOriginalAddressDraft:
            return .natOriginalAddress(try NATOriginalAddressPayload.decode(&reader), draft: type == .natOriginalAddressDraft)
        case .fragment:
            return .fragment(try FragmentPayload.decode(&reader))
        default:
            // Proposal and transform payloads live only inside an SA (RFC 2408 §3.4); anything else is unknown.
            throw ISAKMPError(.invalidPayloadType, "payload type \(type.rawValue) is not valid in a message")
        }
    }

    private static func nonEmpty(_ reader: inout ByteReader, _ what: String, notify: NotifyMessageType) throws(ISAKMPError) -> [UInt8] {
        guard !reader.isAtEnd else { throw ISAKMPError(notify, "empty \(what) payload") }
        return reader.readRest()
    }

    /// Writes the payload body (without generic header).
    func encodeBody(into writer: inout ByteWriter) {
        switch self {
        case .securityAssociation(let sa): sa.encode(into: &writer)
        case .keyExchange(let data), .hash(let data), .signature(let data), .nonce(let data), .vendorID(let data):
            writer.write(contentsOf: data)
        case .natDiscovery(let data, _):
            writer.write(contentsOf: data)
        case .identification(let id): id.encode(into: &writer)
        case .certificate(let cert):
            writer.write(cert.encoding.rawValue)
            writer.write(contentsOf: cert.data)
        case .certificateRequest(let request):
            writer.write(request.encoding.rawValue)
            writer.write(contentsOf: request.authority)
        case .notification(let notify): notify.encode(into: &writer)
        case .delete(let delete): delete.encode(into: &writer)
        case .attribute(let attribute): attribute.encode(into: &writer)
        case .natOriginalAddress(let oa, _): oa.encode(into: &writer)
        case .fragment(let fragment): fragment.encode(into: &writer)
        }
    }
}

/// One payload of a message: its typed content and the exact body bytes it was read from or encoded to.
///
/// The body is kept because IKE hashes payload bodies as sent (SAi_b and IDii_b in HASH_I, the payloads
/// after HASH in Quick Mode's HASH(1)), and re-encoding must never be trusted to reproduce them.
public struct Payload: Equatable, Sendable {
    public let content: PayloadContent
    /// The body without the generic header.
    public let body: [UInt8]
    /// The generic header's reserved byte, kept as received.
    public let reserved: UInt8

    public var type: PayloadType { content.type }

    /// A payload to send.
    public init(_ content: PayloadContent) {
        var writer = ByteWriter()
        content.encodeBody(into: &writer)
        self.content = content
        self.body = writer.bytes
        self.reserved = 0
    }

    init(content: PayloadContent, body: [UInt8], reserved: UInt8) {
        self.content = content
        self.body = body
        self.reserved = reserved
    }

    /// The payload with its generic header, as it appears in a message, given the next payload's type.
    public func encoded(next: PayloadType) -> [UInt8] {
        var writer = ByteWriter(capacity: body.count + GenericPayloadHeader.size)
        encode(next: next, into: &writer)
        return writer.bytes
    }

    func encode(next: PayloadType, into writer: inout ByteWriter) {
        GenericPayloadHeader.encode(next: next, reserved: reserved, into: &writer) { writer in
            writer.write(contentsOf: body)
        }
    }
}
