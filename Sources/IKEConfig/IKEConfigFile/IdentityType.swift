import IPsecTypes

/// A `p1-id-type` of ike.config (`local_id_type`): which identity we present in Phase 1.
public enum IdentityType: String, CaseIterable, Sendable, Equatable {
    case dn, dns, gn, ip, ipv4, ipv4Prefix = "ipv4_prefix", ipv4Range = "ipv4_range"
    case ipv6, ipv6Prefix = "ipv6_prefix", ipv6Range = "ipv6_range", mbox

    /// Every spelling ike.config(5) accepts, upper-case aliases and synonyms included.
    static let spellings: [String: IdentityType] = {
        var table: [String: IdentityType] = [:]
        for type in allCases { table[type.rawValue] = type }
        table["DN"] = .dn; table["DNS"] = .dns; table["fqdn"] = .dns; table["FQDN"] = .dns
        table["GN"] = .gn; table["IP"] = .ip; table["MBOX"] = .mbox; table["user_fqdn"] = .mbox
        return table
    }()

    public init?(spelling: String) {
        guard let type = Self.spellings[spelling] else { return nil }
        self = type
    }

    /// The ID payload type this presents (for `ip`, the family of the local address decides).
    public func payloadType(ipv6: Bool) -> IdentificationType {
        switch self {
        case .dn: .derASN1DN
        case .dns: .fqdn
        case .gn: .derASN1GN
        case .ip: ipv6 ? .ipv6Address : .ipv4Address
        case .ipv4: .ipv4Address
        case .ipv4Prefix: .ipv4Subnet
        case .ipv4Range: .ipv4Range
        case .ipv6: .ipv6Address
        case .ipv6Prefix: .ipv6Subnet
        case .ipv6Range: .ipv6Range
        case .mbox: .userFQDN
        }
    }
}
