import IPsecTypes
import ISAKMP

/// Describes ISAKMP values as `Field` documents, every number with its RFC name.
public enum MessageDescription {
    static func named<T: RegisteredNumber>(_ value: T) -> Field {
        .string(value.isKnown ? "\(value.description) (\(value.rawValue))" : "unknown (\(value.rawValue))")
    }

    static func hex(_ bytes: [UInt8]) -> Field { .string(bytes.hexString) }

    public static func header(_ header: ISAKMPHeader) -> Field {
        .object([
            ("initiatorCookie", .string(header.initiatorCookie.description)),
            ("responderCookie", .string(header.responderCookie.description)),
            ("nextPayload", named(header.nextPayload)),
            ("version", .string("\(header.majorVersion).\(header.minorVersion)")),
            ("exchange", named(header.exchangeType)),
            ("flags", .string(header.flags.description)),
            ("messageID", .string("0x" + header.messageID.bigEndianHexString)),
            ("length", .number(Int64(header.length))),
        ])
    }

    public static func payloads(_ payloads: [Payload]) -> Field {
        .array(payloads.map(payload))
    }

    public static func payload(_ payload: Payload) -> Field {
        var fields: [(String, Field)] = [("type", named(payload.type)), ("length", .number(Int64(payload.body.count + 4)))]
        switch payload.content {
        case .securityAssociation(let sa):
            fields += [
                ("doi", named(sa.doi)),
                ("situation", .string(sa.situation == SecurityAssociationPayload.identityOnly ? "SIT_IDENTITY_ONLY (1)" : "0x\(String(sa.situation, radix: 16))")),
                ("proposals", .array(sa.proposals.map(proposal))),
            ]
        case .keyExchange(let data):
            fields += [("keyExchangeData", hex(data))]
        case .identification(let id):
            fields += [
                ("idType", named(id.idType)), ("protocol", .number(Int64(id.protocolID))), ("port", .number(Int64(id.port))),
                ("identity", .string(id.identityDescription)),
            ]
        case .certificate(let certificate):
            fields += [("encoding", named(certificate.encoding)), ("data", hex(certificate.data))]
        case .certificateRequest(let request):
            fields += [("encoding", named(request.encoding)), ("authority", hex(request.authority))]
        case .hash(let data), .signature(let data), .nonce(let data):
            fields += [("data", hex(data))]
        case .notification(let notify):
            fields += [("notify", named(notify.type)), ("doi", named(notify.doi)), ("protocol", named(notify.protocolID))]
            if !notify.spi.isEmpty { fields.append(("spi", hex(notify.spi))) }
            if !notify.data.isEmpty { fields.append(("data", notifyData(notify))) }
        case .delete(let delete):
            fields += [
                ("doi", named(delete.doi)), ("protocol", named(delete.protocolID)),
                ("spiSize", .number(Int64(delete.spiSize))), ("spis", .array(delete.spis.map(hex))),
            ]
        case .vendorID(let data):
            fields += [("vendor", .string(VendorIDCatalog.name(of: data) ?? "unknown")), ("data", hex(data))]
        case .attribute(let configuration):
            let type = ConfigurationAttributePayload.configTypeNames[configuration.configType] ?? "unknown"
            fields += [
                ("configType", .string("\(type) (\(configuration.configType))")),
                ("identifier", .number(Int64(configuration.identifier))),
                ("attributes", .object(configuration.attributes.map { attribute in
                    (ModeConfigAttributeType(rawValue: attribute.type).description, rawValue(attribute))
                })),
            ]
        case .natDiscovery(let data, _):
            fields += [("hash", hex(data))]
        case .natOriginalAddress(let address, _):
            fields += [("idType", named(address.idType)), ("address", .string(address.address.description))]
        case .fragment(let fragment):
            fields += [
                ("fragmentID", .number(Int64(fragment.fragmentID))), ("number", .number(Int64(fragment.number))),
                ("last", .bool(fragment.isLast)), ("dataLength", .number(Int64(fragment.data.count))),
            ]
        }
        return .object(fields)
    }

    static func notifyData(_ notify: NotificationPayload) -> Field {
        switch notify.type {
        case .dpdRUThere where notify.data.count == 4, .dpdRUThereAck where notify.data.count == 4:
            let sequence = notify.data.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return .string("sequence \(sequence)")
        case .responderLifetime:
            // RESPONDER-LIFETIME carries SA attributes (RFC 2407 §4.6.3.1).
            guard let attributes = try? DataAttribute.decodeList(notify.data) else { return hex(notify.data) }
            return .object(attributes.map(ipsecAttribute))
        default:
            return hex(notify.data)
        }
    }

    static func proposal(_ proposal: ProposalPayload) -> Field {
        var fields: [(String, Field)] = [("number", .number(Int64(proposal.number))), ("protocol", named(proposal.protocolID))]
        if !proposal.spi.isEmpty { fields.append(("spi", hex(proposal.spi))) }
        fields.append(("transforms", .array(proposal.transforms.map { transform(proposal.protocolID, $0) })))
        return .object(fields)
    }

    static func transform(_ protocolID: SecurityProtocol, _ transform: TransformPayload) -> Field {
        let id: Field
        switch protocolID {
        case .isakmp: id = named(ISAKMPTransformID(rawValue: transform.transformID))
        case .esp: id = named(ESPTransformID(rawValue: transform.transformID))
        case .ah: id = named(AHTransformID(rawValue: transform.transformID))
        case .ipcomp: id = named(IPCompTransformID(rawValue: transform.transformID))
        default: id = .number(Int64(transform.transformID))
        }
        let attributes = transform.attributes.map { protocolID == .isakmp ? phase1Attribute($0) : ipsecAttribute($0) }
        return .object([("number", .number(Int64(transform.number))), ("id", id), ("attributes", .object(attributes))])
    }

    static func phase1Attribute(_ attribute: DataAttribute) -> (String, Field) {
        let type = Phase1AttributeType(rawValue: attribute.type)
        let value = attribute.integerValue.map { UInt16(truncatingIfNeeded: $0) }
        let field: Field
        switch (type, value) {
        case (.encryptionAlgorithm, let v?): field = named(EncryptionAlgorithm(rawValue: v))
        case (.hashAlgorithm, let v?), (.prf, let v?): field = named(HashAlgorithm(rawValue: v))
        case (.authenticationMethod, let v?): field = named(AuthenticationMethod(rawValue: v))
        case (.groupDescription, let v?): field = named(DHGroup(rawValue: v))
        case (.groupType, let v?): field = .string(["MODP", "ECP", "EC2N"][safe: Int(v) - 1].map { "\($0) (\(v))" } ?? "unknown (\(v))")
        case (.lifeType, let v?): field = named(LifeType(rawValue: v))
        default: field = rawValue(attribute)
        }
        return (type.description, field)
    }

    static func ipsecAttribute(_ attribute: DataAttribute) -> (String, Field) {
        let type = IPsecAttributeType(rawValue: attribute.type)
        let value = attribute.integerValue.map { UInt16(truncatingIfNeeded: $0) }
        let field: Field
        switch (type, value) {
        case (.saLifeType, let v?): field = named(LifeType(rawValue: v))
        case (.groupDescription, let v?): field = named(DHGroup(rawValue: v))
        case (.encapsulationMode, let v?): field = named(EncapsulationMode(rawValue: v))
        case (.authenticationAlgorithm, let v?): field = named(IPsecAuthAlgorithm(rawValue: v))
        default: field = rawValue(attribute)
        }
        return (type.description, field)
    }

    static func rawValue(_ attribute: DataAttribute) -> Field {
        if attribute.value.count <= 8, let number = attribute.integerValue, number <= UInt64(Int64.max) { return .number(Int64(number)) }
        return hex(attribute.value)
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension UInt32 {
    var bigEndianHexString: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}
