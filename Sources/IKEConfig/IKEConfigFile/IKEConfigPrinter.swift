import IPsecTypes

/// Writes an `IKEConfiguration` back as ike.config text in one canonical layout, so that
/// parse → print → parse gives the same model (used by `ikeadm write rule`).
public enum IKEConfigPrinter {
    public static func text(_ configuration: IKEConfiguration) -> String {
        var lines: [String] = []
        let globals = configuration.globals
        for selector in globals.certificateRoots { lines.append("cert_root \(quoted(selector.text))") }
        for selector in globals.certificateTrust { lines.append("cert_trust \(quoted(selector.text))") }
        if let value = globals.expireTimer { lines.append("expire_timer \(value)") }
        if let value = globals.dpdInterval { lines.append("dpd_interval \(value)") }
        if let value = globals.dpdRetries { lines.append("dpd_retries \(value)") }
        if let value = globals.natKeepalive { lines.append("nat_keepalive \(value)") }
        if globals.ignoreCRLs { lines.append("ignore_crls") }
        if !globals.ldapServers.isEmpty { lines.append("ldap_server \(quoted(globals.ldapServers.joined(separator: ",")))") }
        if let value = globals.pkcs11Path { lines.append("pkcs11_path \(quoted(value))") }
        if let value = globals.retryLimit { lines.append("retry_limit \(value)") }
        if let value = globals.retryTimerInitial { lines.append("retry_timer_init \(value)") }
        if let value = globals.retryTimerMaximum { lines.append("retry_timer_max \(value)") }
        if let value = globals.proxy { lines.append("proxy \(quoted(value))") }
        if let value = globals.socks { lines.append("socks \(quoted(value))") }
        if globals.useHTTP { lines.append("use_http") }
        if let value = globals.phase1LifetimeSeconds { lines.append("p1_lifetime_secs \(value)") }
        if let value = globals.phase1NonceLength { lines.append("p1_nonce_len \(value)") }
        if let value = globals.phase2NonceLength { lines.append("p2_nonce_len \(value)") }
        if let value = globals.localIDType { lines.append("local_id_type \(value.rawValue)") }
        lines += phase2Lines(globals.phase2, indent: "")
        for transform in configuration.defaultTransforms { lines.append(transformText(transform)) }
        for rule in configuration.rules {
            lines.append("")
            lines.append("{")
            lines.append("\tlabel \(quoted(rule.label))")
            for address in rule.localAddresses { lines.append("\tlocal_addr \(address)") }
            for address in rule.remoteAddresses { lines.append("\tremote_addr \(address)") }
            if let type = rule.localIDType { lines.append("\tlocal_id_type \(type.rawValue)") }
            if let selector = rule.localID { lines.append("\tlocal_id \(quoted(selector.text))") }
            for selector in rule.remoteIDs { lines.append("\tremote_id \(quoted(selector.text))") }
            lines += phase2Lines(rule.phase2, indent: "\t")
            for transform in rule.transforms { lines.append("\t" + transformText(transform)) }
            lines.append("}")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func phase2Lines(_ settings: Phase2Settings, indent: String) -> [String] {
        var lines: [String] = []
        if let group = settings.pfsGroup { lines.append("\(indent)p2_pfs \(group.rawValue)") }
        if let value = settings.lifetimeSeconds { lines.append("\(indent)p2_lifetime_secs \(value)") }
        if let value = settings.softLifetimeSeconds { lines.append("\(indent)p2_softlife_secs \(value)") }
        if let value = settings.idleTimeSeconds { lines.append("\(indent)p2_idletime_secs \(value)") }
        if let value = settings.lifetimeKilobytes { lines.append("\(indent)p2_lifetime_kb \(value)") }
        if let value = settings.softLifetimeKilobytes { lines.append("\(indent)p2_softlife_kb \(value)") }
        return lines
    }

    static func transformText(_ transform: Phase1Transform) -> String {
        "p1_xform { \(transform.description) }"
    }

    /// A double-quoted string with `"` and `\` escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for character in text {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out + "\""
    }
}
