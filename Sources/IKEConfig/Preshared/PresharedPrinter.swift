import IPsecTypes

/// Writes pre-shared keys back as ike.preshared text (`ikeadm write preshared`), in a layout the
/// parser reads to the same entries. The text holds the keys: it goes only to a 0600 file.
public enum PresharedPrinter {
    public static func text(_ keys: PresharedKeys) -> String {
        var blocks: [String] = []
        for entry in keys.entries {
            var lines = ["{"]
            lines.append("\tlocalidtype \(keyword(entry.localIDType))")
            lines.append("\tlocalid \(value(entry.localID))")
            lines.append("\tremoteidtype \(keyword(entry.remoteIDType))")
            lines.append("\tremoteid \(value(entry.remoteID))")
            if let mode = entry.mode { lines.append("\tike_mode \(mode.rawValue)") }
            lines.append("\tkey \(entry.key.keymatHex())")
            lines.append("}")
            blocks.append(lines.joined(separator: "\n"))
        }
        return blocks.joined(separator: "\n\n") + (blocks.isEmpty ? "" : "\n")
    }

    /// The ike.preshared keyword for an identity type (one of the names the parser accepts).
    static func keyword(_ type: IdentificationType) -> String {
        switch type {
        case .ipv4Address: "ip"
        case .ipv6Address: "ipv6"
        case .ipv4Subnet: "ipv4-prefix"
        case .ipv6Subnet: "ipv6-prefix"
        case .ipv4Range: "ipv4-range"
        case .ipv6Range: "ipv6-range"
        case .fqdn: "fqdn"
        case .userFQDN: "user_fqdn"
        case .derASN1DN: "dn"
        case .derASN1GN: "gn"
        default: "keyid"
        }
    }

    static func value(_ identity: PresharedIdentity) -> String {
        switch identity {
        case .address(let spec): spec.description
        case .name(_, let name): IKEConfigPrinter.quoted(name)
        }
    }
}
