import IKECrypto
import IKEConfig
import IPsecTypes
import ISAKMP

/// How Phase 1 identities and certificates name each other (RFC 4945 §3): an ID_DER_ASN1_DN is the
/// subject (or a directory-name alternative), an address ID an IP alternative name, an FQDN a DNS
/// one, a USER_FQDN an e-mail one.
enum CertificateIdentity {
    /// The ID payload we present with `certificate` for `local_id_type` `type`: the subject for dn;
    /// for ip, dns and mbox the alternative name `local_id` names (Solaris's `local_id "10.1.86.51"`),
    /// else the certificate's first of that kind (for ip, our address when it has none). Nil when
    /// the type cannot name this certificate.
    static func ours(_ type: IdentityType, certificate: Certificate, selector: CertificateSelector?, local: IPAddress) -> IdentificationPayload? {
        func alternative(_ tag: String) -> String? {
            let values = certificate.alternativeNames.filter { $0.hasPrefix(tag + "=") }.map { String($0.dropFirst(tag.count + 1)) }
            let wanted = selector?.includes.compactMap { specifier -> String? in
                specifier.kind == .bare || specifier.kind.rawValue == tag ? specifier.value.lowercased() : nil
            } ?? []
            return values.first { wanted.contains($0.lowercased()) } ?? values.first
        }
        switch type {
        case .dn:
            return IdentificationPayload(idType: .derASN1DN, data: certificate.subjectDER)
        case .ip, .ipv4, .ipv6:
            let family = type == .ip ? local.isIPv4 : type == .ipv4
            let addresses = certificate.alternativeNames.filter { $0.hasPrefix("IP=") }.compactMap { IPAddress(String($0.dropFirst(3))) }.filter { $0.isIPv4 == family }
            let named = alternative("IP").flatMap { IPAddress($0) }.flatMap { addresses.contains($0) ? $0 : nil }
            let address = named ?? (addresses.contains(local) ? local : addresses.first) ?? local
            return IdentificationPayload(idType: address.isIPv4 ? .ipv4Address : .ipv6Address, data: address.bytes)
        case .dns:
            return alternative("DNS").map { IdentificationPayload(idType: .fqdn, data: Array($0.utf8)) }
        case .mbox:
            return alternative("EMAIL").map { IdentificationPayload(idType: .userFQDN, data: Array($0.utf8)) }
        case .gn, .ipv4Prefix, .ipv4Range, .ipv6Prefix, .ipv6Range:
            return nil
        }
    }

    /// Whether the peer's ID payload names `certificate`.
    static func names(_ identity: IdentificationPayload, _ certificate: Certificate) -> Bool {
        func alternative(_ tag: String, _ value: String) -> Bool {
            certificate.alternativeNames.contains { $0.lowercased() == "\(tag)=\(value)".lowercased() }
        }
        switch identity.idType {
        case .derASN1DN:
            guard let name = Certificate.distinguishedName(der: identity.data) else { return false }
            return certificate.named(name) || certificate.alternativeNames.contains { $0.hasPrefix("DN=") && Certificate.sameName(String($0.dropFirst(3)), name) }
        case .ipv4Address, .ipv6Address:
            guard let address = IPAddress(bytes: identity.data) else { return false }
            return certificate.alternativeNames.contains { $0.hasPrefix("IP=") && IPAddress(String($0.dropFirst(3))) == address }
        case .fqdn:
            return alternative("DNS", String(decoding: identity.data, as: UTF8.self))
        case .userFQDN:
            return alternative("EMAIL", String(decoding: identity.data, as: UTF8.self))
        default:
            return false
        }
    }

    /// The identity as logs and `ikeadm dump p1` write it.
    static func text(_ identity: IdentificationPayload) -> String {
        switch identity.idType {
        case .derASN1DN: Certificate.distinguishedName(der: identity.data) ?? identity.identityDescription
        default: identity.identityDescription
        }
    }
}
