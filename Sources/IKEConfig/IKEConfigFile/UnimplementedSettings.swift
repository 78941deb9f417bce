import IPsecTypes

/// Settings the parser accepts (they are valid ike.config) but this in.iked does not act on yet:
/// `in.iked -c` and the daemon at start warn about each, with its file, line and column, so an
/// administrator never believes a setting took effect when it did not.
public enum UnimplementedSettings {
    /// Authentication methods with an implementation: transforms of any other method are neither
    /// offered nor accepted.
    public static let implementedMethods: Set<AuthenticationMethod> = [.preSharedKey, .rsaSignature]

    /// Identity types pre-shared-key rules present: our address.
    static let addressIdentities: Set<IdentityType> = [.ip, .ipv4, .ipv6]

    /// Identity types a certificate can give (its subject, or an alternative name).
    static let certificateIdentities: Set<IdentityType> = [.dn, .ip, .ipv4, .ipv6, .dns, .mbox]

    /// Global keywords for fetching certificates and CRLs from the network, or PKCS#11: the files
    /// of publickeys/, ike.privatekeys/ and crls/ are all this in.iked reads.
    static let certificateGlobals = ["ldap_server", "pkcs11_path", "proxy", "socks", "use_http"]

    /// One warning per setting not acted on, in file order.
    public static func warnings(_ configuration: IKEConfiguration) -> [ConfigDiagnostic] {
        var warnings: [ConfigDiagnostic] = []
        for keyword in certificateGlobals {
            guard let location = configuration.globals.keywordLocations[keyword] else { continue }
            warnings.append(ConfigDiagnostic(location, "warning: \(keyword) is accepted but has no effect yet (certificates, keys and CRLs are read from their directories only)"))
        }
        if let type = configuration.globals.localIDType, !certificateIdentities.contains(type), let location = configuration.globals.keywordLocations["local_id_type"] {
            warnings.append(ConfigDiagnostic(location, "warning: local_id_type \(type) has no effect yet: no certificate identity of that type"))
        }
        let transforms = configuration.defaultTransforms + configuration.rules.flatMap(\.transforms)
        for transform in transforms where !implementedMethods.contains(transform.authenticationMethod) {
            warnings.append(ConfigDiagnostic(transform.location,
                "warning: auth_method \(transform.authenticationMethod) is not implemented yet: this transform is neither offered nor accepted"))
        }
        for rule in configuration.rules {
            let signs = configuration.transforms(for: rule).contains { !$0.isPreShared }
            if let type = rule.localIDType, !(signs ? certificateIdentities : addressIdentities).contains(type), let location = rule.keywordLocations["local_id_type"] {
                warnings.append(ConfigDiagnostic(location, "warning: local_id_type \(type) in rule \"\(rule.label)\" has no effect yet"
                                                 + (signs ? ": no certificate identity of that type" : ": pre-shared-key rules identify us by our IP address")))
            }
        }
        return warnings.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }
}
