import IKEConfig
import IPsecTypes
import ISAKMP

/// Builds Quick Mode SA payloads from an ipsecinit.conf action and reads the peer's.
enum Phase2Proposal {
    /// Settings that go into every transform.
    struct Terms {
        var mode: IPsecMode
        var pfsGroup: DHGroup?
        var lifetimeSeconds: UInt32
        var lifetimeKilobytes: UInt32
        /// A NAT is between the peers: the mode is UDP-encapsulated, numbered as this method says.
        var udpEncapsulation: NATTraversalMethod? = nil
    }

    static let anyEncryption: [(ESPTransformID, Int)] = [(.aes, 256), (.aes, 128), (.tripleDES, 0)]
    static let anyIntegrity: [IPsecAuthAlgorithm] = [.hmacSHA256, .hmacSHA1, .hmacMD5]

    static func ciphers(_ choices: [AlgorithmChoice]) -> [(ESPTransformID, Int)] {
        var result: [(ESPTransformID, Int)] = []
        for choice in choices {
            if choice.name == "any" { result += anyEncryption; continue }
            let id = ESPTransformID.configNames[choice.name] ?? UInt8(choice.name).map(ESPTransformID.init(rawValue:))
            guard let id else { continue }
            switch id {
            case .aes:
                let sizes = [256, 192, 128].filter { ($0 >= (choice.minimumKeyBits ?? 0)) && ($0 <= (choice.maximumKeyBits ?? 256)) }
                result += sizes.map { (id, $0) }
            case .blowfish:
                result.append((id, max(choice.minimumKeyBits ?? 128, 128)))
            default:
                result.append((id, 0))
            }
        }
        return result
    }

    static func integrity(_ choices: [AlgorithmChoice]) -> [IPsecAuthAlgorithm] {
        choices.flatMap { choice -> [IPsecAuthAlgorithm] in
            if choice.name == "any" { return anyIntegrity }
            if let known = IPsecAuthAlgorithm.configNames[choice.name] { return [known] }
            return UInt16(choice.name).map { [IPsecAuthAlgorithm(rawValue: $0)] } ?? []
        }
    }

    /// The SA payload an initiator offers for `actions` (each `or` alternative is one proposal).
    static func offer(for actions: [PolicyAction], terms: Terms, spi: UInt32) -> SecurityAssociationPayload {
        var proposals: [ProposalPayload] = []
        // Proposal and transform numbers are one byte: at most 255 of each are offered.
        for (index, action) in actions.enumerated().prefix(Phase1Proposal.maximumTransforms) where action.kind.protects {
            let number = UInt8(truncatingIfNeeded: index + 1)
            if !action.encryptionAlgorithms.isEmpty {
                let auths = integrity(action.encryptionAuthAlgorithms)
                var transforms: [TransformPayload] = []
                for (cipher, bits) in ciphers(action.encryptionAlgorithms) {
                    for auth in auths.isEmpty ? [nil] : auths.map(Optional.some) {
                        transforms.append(transform(number: transforms.count + 1, id: cipher.rawValue, keyBits: bits, integrity: auth, terms: terms))
                    }
                }
                proposals.append(ProposalPayload(number: number, protocolID: .esp, spi: spi.bigEndianBytes, transforms: Array(transforms.prefix(Phase1Proposal.maximumTransforms))))
            } else if !action.authAlgorithms.isEmpty {
                let transforms = integrity(action.authAlgorithms).enumerated().compactMap { position, auth -> TransformPayload? in
                    guard let id = ahTransform(for: auth) else { return nil }
                    return transform(number: position + 1, id: id.rawValue, keyBits: 0, integrity: auth, terms: terms)
                }
                proposals.append(ProposalPayload(number: number, protocolID: .ah, spi: spi.bigEndianBytes, transforms: Array(transforms.prefix(Phase1Proposal.maximumTransforms))))
            }
        }
        return SecurityAssociationPayload(proposals: proposals)
    }

    static func ahTransform(for integrity: IPsecAuthAlgorithm) -> AHTransformID? {
        switch integrity {
        case .hmacMD5: .md5
        case .hmacSHA1: .sha1
        case .hmacSHA256: .sha256
        case .hmacSHA384: .sha384
        case .hmacSHA512: .sha512
        default: nil
        }
    }

    static func transform(number: Int, id: UInt8, keyBits: Int, integrity: IPsecAuthAlgorithm?, terms: Terms) -> TransformPayload {
        var attributes: [DataAttribute] = [
            .basic(IPsecAttributeType.saLifeType.rawValue, LifeType.seconds.rawValue),
            .integer(IPsecAttributeType.saLifeDuration.rawValue, terms.lifetimeSeconds),
        ]
        if terms.lifetimeKilobytes > 0 {
            attributes += [
                .basic(IPsecAttributeType.saLifeType.rawValue, LifeType.kilobytes.rawValue),
                .integer(IPsecAttributeType.saLifeDuration.rawValue, terms.lifetimeKilobytes),
            ]
        }
        if let group = terms.pfsGroup { attributes.append(.basic(IPsecAttributeType.groupDescription.rawValue, group.rawValue)) }
        let mode: EncapsulationMode = terms.udpEncapsulation?.encapsulation(terms.mode) ?? (terms.mode == .tunnel ? .tunnel : .transport)
        attributes.append(.basic(IPsecAttributeType.encapsulationMode.rawValue, mode.rawValue))
        if let integrity { attributes.append(.basic(IPsecAttributeType.authenticationAlgorithm.rawValue, integrity.rawValue)) }
        if keyBits > 0 { attributes.append(.basic(IPsecAttributeType.keyLength.rawValue, UInt16(keyBits))) }
        return TransformPayload(number: UInt8(truncatingIfNeeded: number), transformID: id, attributes: attributes)
    }

    /// Reads a transform of an ESP or AH proposal; nil when it asks for something we do not implement.
    static func parse(_ transform: TransformPayload, protocolID: SecurityProtocol) -> NegotiatedPhase2? {
        var mode: IPsecMode?
        var udpEncapsulated = false
        var integrity: IPsecAuthAlgorithm?
        var group: DHGroup?
        var keyBits: Int?
        var lifeType: LifeType?
        var seconds: UInt32 = 0, kilobytes: UInt32 = 0
        for attribute in transform.attributes {
            guard let value = attribute.integerValue else { return nil }
            switch IPsecAttributeType(rawValue: attribute.type) {
            case .saLifeType: lifeType = attribute.uint16Value.map(LifeType.init(rawValue:))
            case .saLifeDuration:
                switch lifeType {
                case .seconds?: seconds = UInt32(clamping: value)
                case .kilobytes?: kilobytes = UInt32(clamping: value)
                default: return nil
                }
            case .groupDescription: group = attribute.uint16Value.map(DHGroup.init(rawValue:))
            case .encapsulationMode:
                switch attribute.uint16Value.map(EncapsulationMode.init(rawValue:)) {
                case .tunnel: mode = .tunnel
                case .transport: mode = .transport
                // Either numbering is read; whether UDP encapsulation is acceptable here is the
                // engine's decision (it knows whether NAT-D found a NAT).
                case .udpEncapsulatedTunnel, .udpEncapsulatedTunnelDraft: (mode, udpEncapsulated) = (.tunnel, true)
                case .udpEncapsulatedTransport, .udpEncapsulatedTransportDraft: (mode, udpEncapsulated) = (.transport, true)
                default: return nil
                }
            case .authenticationAlgorithm: integrity = attribute.uint16Value.map(IPsecAuthAlgorithm.init(rawValue:))
            case .keyLength: guard let bits = attribute.intValue else { return nil }
                keyBits = bits
            default: return nil
            }
        }
        if let integrity, integrity.kernelName == nil { return nil }
        switch protocolID {
        case .esp:
            let cipher = ESPTransformID(rawValue: transform.transformID)
            let bits: Int
            switch cipher {
            case .aes:
                guard let keyBits, [128, 192, 256].contains(keyBits) else { return nil }
                bits = keyBits
            case .blowfish:
                bits = keyBits ?? 128
                guard (40...448).contains(bits), bits % 8 == 0 else { return nil }
            case .tripleDES: bits = 192
            case .des: bits = 64
            case .null: bits = 0
            default: return nil
            }
            guard keyBits == nil || cipher == .aes || cipher == .blowfish else { return nil }
            return NegotiatedPhase2(protocolID: .esp, encryption: cipher, keyBits: bits, integrity: integrity, mode: mode ?? .transport,
                                    group: group, lifetimeSeconds: seconds, lifetimeKilobytes: kilobytes, udpEncapsulated: udpEncapsulated)
        case .ah:
            // AH protects the outer addresses a NAT rewrites: never UDP-encapsulated (RFC 3948).
            guard let integrity, !udpEncapsulated, ahTransform(for: integrity)?.rawValue == transform.transformID else { return nil }
            return NegotiatedPhase2(protocolID: .ah, encryption: nil, keyBits: 0, integrity: integrity, mode: mode ?? .transport,
                                    group: group, lifetimeSeconds: seconds, lifetimeKilobytes: kilobytes)
        default:
            return nil
        }
    }

    /// Whether a policy action allows the parameters.
    static func allows(_ action: PolicyAction, _ offered: NegotiatedPhase2) -> Bool {
        switch offered.protocolID {
        case .esp:
            guard let cipher = offered.encryption else { return false }
            let cipherOK = action.encryptionAlgorithms.contains { choice in
                if choice.name == "any" { return cipher != .null }
                let id = ESPTransformID.configNames[choice.name] ?? UInt8(choice.name).map(ESPTransformID.init(rawValue:))
                guard id == cipher else { return false }
                guard cipher == .aes || cipher == .blowfish else { return true }
                return offered.keyBits >= (choice.minimumKeyBits ?? 0) && offered.keyBits <= (choice.maximumKeyBits ?? Int.max)
            }
            let allowedIntegrity = integrity(action.encryptionAuthAlgorithms)
            let integrityOK = offered.integrity.map { allowedIntegrity.contains($0) } ?? allowedIntegrity.isEmpty
            return cipherOK && integrityOK
        case .ah:
            guard let auth = offered.integrity else { return false }
            return integrity(action.authAlgorithms).contains(auth)
        default:
            return false
        }
    }

    /// KEYMAT bytes an SA needs: cipher key then integrity key.
    static func keyLengths(_ negotiated: NegotiatedPhase2) -> (encryption: Int, integrity: Int) {
        (negotiated.keyBits / 8, negotiated.integrity?.keyLength ?? 0)
    }
}
