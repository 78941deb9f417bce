import IKEConfig
import IPsecTypes
import ISAKMP

/// The Phase 1 parameters both sides agreed on.
struct NegotiatedPhase1: Equatable, Sendable {
    var encryption: EncryptionAlgorithm
    /// Cipher key length in bytes.
    var keyLength: Int
    var hash: HashAlgorithm
    var group: DHGroup
    var authenticationMethod: AuthenticationMethod
    var lifetimeSeconds: UInt32

    /// The cipher with its key length: `AES-CBC-128`.
    var cipherName: String {
        encryption == .aesCBC || encryption == .blowfishCBC ? "\(encryption)-\(keyLength * 8)" : encryption.description
    }

    /// `AES-CBC-128/SHA/MODP-2048, 3600 s`, for logs.
    var summary: String { "\(cipherName)/\(hash)/\(group), \(lifetimeSeconds) s" }
}

/// Builds Phase 1 SA payloads from ike.config transforms and picks one from a peer's offer.
enum Phase1Proposal {
    /// The most transforms one proposal can carry (a one-byte count; numbers 1-255).
    static let maximumTransforms = 255

    /// One proposal (KEY_IKE) with a transform per configured transform (and per AES key size).
    static func payload(for transforms: [Phase1Transform], defaultLifetime: UInt32) -> SecurityAssociationPayload {
        var payloads: [TransformPayload] = []
        for transform in transforms {
            // AES is offered once per allowed key size, largest first; other ciphers once. Every
            // variable-length cipher names its key length: peers such as strongSwan compare an offer
            // without one against their own explicit BLOWFISH_CBC_128 and refuse it.
            let sizes: [Int?] = transform.encryption == .aesCBC ? transform.keySizes : [transform.encryption.defaultKeyBits]
            for size in sizes {
                var attributes: [DataAttribute] = [.basic(Phase1AttributeType.encryptionAlgorithm.rawValue, transform.encryption.rawValue)]
                if let size { attributes.append(.basic(Phase1AttributeType.keyLength.rawValue, UInt16(size))) }
                attributes += [
                    .basic(Phase1AttributeType.hashAlgorithm.rawValue, transform.hash.rawValue),
                    .basic(Phase1AttributeType.authenticationMethod.rawValue, transform.authenticationMethod.rawValue),
                    .basic(Phase1AttributeType.groupDescription.rawValue, transform.group.rawValue),
                    .basic(Phase1AttributeType.lifeType.rawValue, LifeType.seconds.rawValue),
                    .integer(Phase1AttributeType.lifeDuration.rawValue, transform.lifetimeSeconds ?? defaultLifetime),
                ]
                payloads.append(TransformPayload(number: UInt8(truncatingIfNeeded: payloads.count + 1), transformID: ISAKMPTransformID.keyIKE.rawValue, attributes: attributes))
            }
        }
        // A proposal counts its transforms in one byte (RFC 2408 §3.5): the first 255 are offered.
        return SecurityAssociationPayload(proposals: [ProposalPayload(number: 1, protocolID: .isakmp, transforms: Array(payloads.prefix(Self.maximumTransforms)))])
    }

    /// A Phase 1 SA payload negotiates the ISAKMP SA only: a proposal for any other protocol inside it
    /// is a contradiction (RFC 2409 §5: "the proposal ... for the ISAKMP SA"), BAD-PROPOSAL-SYNTAX,
    /// never a transform to be read with another protocol's attribute table.
    static func checkSyntax(_ sa: SecurityAssociationPayload) -> ISAKMPError? {
        for proposal in sa.proposals where proposal.protocolID != .isakmp {
            return ISAKMPError(.badProposalSyntax, "Phase 1 proposal #\(proposal.number) is for \(proposal.protocolID), not PROTO_ISAKMP")
        }
        return nil
    }

    /// Reads one offered transform, or nil when it has attributes we do not implement.
    static func parse(_ transform: TransformPayload, ourLifetime: UInt32) -> NegotiatedPhase1? {
        guard transform.transformID == ISAKMPTransformID.keyIKE.rawValue else { return nil }
        var encryption: EncryptionAlgorithm?, hash: HashAlgorithm?, group: DHGroup?, method: AuthenticationMethod?
        var keyBits: Int?
        var lifeType: LifeType?
        var lifetime = ourLifetime
        for attribute in transform.attributes {
            guard let value = attribute.integerValue else { return nil }
            switch Phase1AttributeType(rawValue: attribute.type) {
            case .encryptionAlgorithm: encryption = attribute.uint16Value.map(EncryptionAlgorithm.init(rawValue:))
            case .hashAlgorithm: hash = attribute.uint16Value.map(HashAlgorithm.init(rawValue:))
            case .groupDescription: group = attribute.uint16Value.map(DHGroup.init(rawValue:))
            case .authenticationMethod: method = attribute.uint16Value.map(AuthenticationMethod.init(rawValue:))
            case .keyLength: guard let bits = attribute.intValue else { return nil }
                keyBits = bits
            case .lifeType: lifeType = attribute.uint16Value.map(LifeType.init(rawValue:))
            case .lifeDuration:
                // A seconds lifetime of 0 is read as "no preference": ours applies (docs/PROTOCOL.md).
                if lifeType == .seconds, value > 0 { lifetime = UInt32(clamping: value) }
            default:
                return nil // PRF, custom groups and the like are not implemented.
            }
        }
        guard let encryption, let hash, let group, let method else { return nil }
        let keyLength: Int
        if let fixed = encryption.fixedKeyLength {
            guard keyBits == nil || keyBits == fixed * 8 else { return nil }
            keyLength = fixed
        } else if let range = encryption.allowedKeyBits {
            guard let bits = keyBits ?? encryption.defaultKeyBits, range.contains(bits), bits % 8 == 0 else { return nil }
            keyLength = bits / 8
        } else {
            return nil
        }
        return NegotiatedPhase1(encryption: encryption, keyLength: keyLength, hash: hash, group: group, authenticationMethod: method, lifetimeSeconds: lifetime)
    }

    /// Whether a configured transform allows the offered parameters (every attribute compared).
    static func allows(_ transform: Phase1Transform, _ offered: NegotiatedPhase1) -> Bool {
        guard transform.encryption == offered.encryption, transform.hash == offered.hash, transform.group == offered.group,
              transform.authenticationMethod == offered.authenticationMethod
        else { return false }
        if offered.encryption == .aesCBC { return transform.keySizes.contains(offered.keyLength * 8) }
        if offered.encryption == .blowfishCBC { return offered.keyLength == 16 }
        return true
    }

    /// The responder's choice: the first offered transform one of ours allows (RFC 2408 §4.2: the
    /// initiator's order is its preference). The returned transform is the offered one, unchanged.
    static func select(from offer: SecurityAssociationPayload, acceptable: [Phase1Transform], ourLifetime: UInt32) -> (TransformPayload, NegotiatedPhase1)? {
        for proposal in offer.proposals where proposal.protocolID == .isakmp {
            for transform in proposal.transforms {
                guard var parsed = parse(transform, ourLifetime: ourLifetime) else { continue }
                guard let ours = acceptable.first(where: { allows($0, parsed) }) else { continue }
                // The shorter lifetime wins (RFC 2407 §4.5.4).
                parsed.lifetimeSeconds = min(parsed.lifetimeSeconds, ours.lifetimeSeconds ?? ourLifetime)
                return (transform, parsed)
            }
        }
        return nil
    }
}
