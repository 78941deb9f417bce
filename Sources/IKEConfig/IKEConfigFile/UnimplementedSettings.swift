import IPsecTypes

/// Settings the parser accepts (they are valid ike.config) but this in.iked does not act on yet:
/// `in.iked -c` and the daemon at start warn about each, with its file, line and column, so an
/// administrator never believes a setting took effect when it did not.
public enum UnimplementedSettings {
    /// Authentication methods with an implementation: transforms of any other method are neither
    /// offered nor accepted.
    public static let implementedMethods: Set<AuthenticationMethod> = [.preSharedKey]

    /// Identity types pre-shared-key rules present: our address.
    static let addressIdentities: Set<IdentityType> = [.ip, .ipv4, .ipv6]

    /// Global keywords that take effect only with certificates, revocation lists or PKCS#11.
    static let certificateGlobals = ["cert_root", "cert_trust", "ignore_crls", "ldap_server", "pkcs11_path", "proxy", "socks", "use_http"]

    /// One warning per setting not acted on, in file order.
    public static func warnings(_ configuration: IKEConfiguration) -> [ConfigDiagnostic] {
        var warnings: [ConfigDiagnostic] = []
        for keyword in certificateGlobals {
            guard let location = configuration.globals.keywordLocations[keyword] else { continue }
            warnings.append(ConfigDiagnostic(location, "warning: \(keyword) is accepted but has no effect yet (certificates are not implemented)"))
        }
        if let type = configuration.globals.localIDType, !addressIdentities.contains(type), let location = configuration.globals.keywordLocations["local_id_type"] {
            warnings.append(ConfigDiagnostic(location, "warning: local_id_type \(type) has no effect yet: pre-shared-key rules identify us by our IP address"))
        }
        let transforms = configuration.defaultTransforms + configuration.rules.flatMap(\.transforms)
        for transform in transforms where !implementedMethods.contains(transform.authenticationMethod) {
            warnings.append(ConfigDiagnostic(transform.location,
                "warning: auth_method \(transform.authenticationMethod) is not implemented yet: this transform is neither offered nor accepted"))
        }
        for rule in configuration.rules {
            for keyword in ["local_id", "remote_id"] {
                guard let location = rule.keywordLocations[keyword] else { continue }
                warnings.append(ConfigDiagnostic(location, "warning: \(keyword) in rule \"\(rule.label)\" has no effect yet: pre-shared keys are bound to addresses and ike.preshared identities"))
            }
            if let type = rule.localIDType, !addressIdentities.contains(type), let location = rule.keywordLocations["local_id_type"] {
                warnings.append(ConfigDiagnostic(location, "warning: local_id_type \(type) in rule \"\(rule.label)\" has no effect yet"))
            }
        }
        return warnings.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
    }
}
