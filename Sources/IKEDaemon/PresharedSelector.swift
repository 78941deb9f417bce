import IKEConfig
import IPsecTypes

/// Which pre-shared key `get preshared` and `del preshared` mean (spec §4): `LOCAL REMOTE` as written
/// in ike.preshared (addresses, prefixes, ranges), or `TYPE LOCAL TYPE REMOTE` with ike.preshared
/// identity types (`fqdn`, `user_fqdn`, `dn`, `ip`, …) for entries keyed by name.
struct PresharedSelector: Equatable {
    var localType: IdentificationType?
    var local: String
    var remoteType: IdentificationType?
    var remote: String

    /// From the words after `get preshared`; nil when they are neither form.
    init?(_ words: ArraySlice<String>) {
        let words = Array(words)
        switch words.count {
        case 2:
            self.init(localType: nil, local: words[0], remoteType: nil, remote: words[1])
        case 4:
            guard let localType = PresharedParser.identityType(named: words[0]),
                  let remoteType = PresharedParser.identityType(named: words[2]) else { return nil }
            self.init(localType: localType, local: words[1], remoteType: remoteType, remote: words[3])
        default:
            return nil
        }
    }

    init(localType: IdentificationType?, local: String, remoteType: IdentificationType?, remote: String) {
        self.localType = localType
        self.local = local
        self.remoteType = remoteType
        self.remote = remote
    }

    func matches(_ entry: PresharedEntry) -> Bool {
        Self.matches(type: localType, value: local, entry.localIDType, entry.localID)
            && Self.matches(type: remoteType, value: remote, entry.remoteIDType, entry.remoteID)
    }

    /// Address types match each other (the parser sets the family from the address); names match
    /// their own type, compared as DNS and mail names are: without regard to case.
    private static func matches(type: IdentificationType?, value: String, _ entryType: IdentificationType, _ identity: PresharedIdentity) -> Bool {
        switch identity {
        case .address(let spec):
            guard type.map(isAddress) ?? true else { return false }
            return spec.description == value || AddressSpec.parse(value).map { $0 == spec } == .success(true)
        case .name(_, let name):
            guard let type, type == entryType else { return false }
            return type == .derASN1DN ? name == value : name.lowercased() == value.lowercased()
        }
    }

    private static func isAddress(_ type: IdentificationType) -> Bool {
        [.ipv4Address, .ipv6Address, .ipv4Subnet, .ipv6Subnet, .ipv4Range, .ipv6Range].contains(type)
    }
}
