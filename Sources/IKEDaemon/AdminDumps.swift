import IKEConfig
import IPsecTypes

/// `dump rule`, `get rule`, `dump preshared`, `get preshared` in the Solaris tag layout (spec §4.5).
enum AdminDumps {
    static func rule(_ rule: IKERule, in configuration: IKEConfiguration) -> String {
        let phase2 = configuration.effectivePhase2(for: rule)
        let globals = configuration.globals
        var lines = [
            "GLOBL: Label '\(rule.label)'",
            "GLOBL: local_idtype=\(configuration.localIDType(for: rule).rawValue.uppercased()), ike_mode=main",
            "GLOBL: p1_nonce_len=\(globals.phase1NonceLength ?? IKEDefaults.phase1NonceLength), p2_nonce_len=\(globals.phase2NonceLength ?? IKEDefaults.phase2NonceLength), "
                + "p2_pfs=\((phase2.pfsGroup?.rawValue ?? 0) != 0 ? "true (group \(phase2.pfsGroup?.rawValue ?? 0))" : "false (group 0)")",
            "GLOBL: p2_lifetime=\(phase2.lifetimeSeconds ?? 0) seconds, p2_softlife=\(phase2.softLifetimeSeconds ?? 0) seconds, p2_idletime=\(phase2.idleTimeSeconds ?? 0) seconds",
            "GLOBL: p2_lifetime_kb=\(phase2.lifetimeKilobytes ?? 0) kilobytes, p2_softlife_kb=\(phase2.softLifetimeKilobytes ?? 0) kilobytes",
        ]
        lines += rule.localAddresses.map { "LOCIP: IP address range(s): \(range($0))" }
        lines += rule.remoteAddresses.map { "REMIP: IP address range(s): \(range($0))" }
        if let local = rule.localID { lines.append("LOCID: Identity descriptors: Includes: \(local.text)") }
        if !rule.remoteIDs.isEmpty {
            let includes = rule.remoteIDs.flatMap(\.includes).map { "\($0.kind.rawValue.isEmpty ? "" : $0.kind.rawValue + "=")\($0.value)" }
            let excludes = rule.remoteIDs.flatMap(\.excludes).map { "\($0.kind.rawValue.isEmpty ? "" : $0.kind.rawValue + "=")\($0.value)" }
            lines.append("REMID: Identity descriptors: Includes: \(includes.isEmpty ? "(any)" : includes.joined(separator: ", "))"
                + (excludes.isEmpty ? "" : "; Excludes: \(excludes.joined(separator: ", "))"))
        }
        lines.append("XFRMS: Available Transforms:")
        for (index, transform) in configuration.transforms(for: rule).enumerated() {
            let lifetime = transform.lifetimeSeconds ?? globals.phase1LifetimeSeconds ?? IKEDefaults.phase1LifetimeSeconds
            let index2 = index < 10 ? " \(index)" : "\(index)"
            lines.append("XF \(index2): \(transform.encryptionConfigText) \(transform.hash.configName) \(transform.group) \(transform.authenticationMethod.configName), lifetime \(lifetime) seconds")
        }
        return lines.joined(separator: "\n")
    }

    static func range(_ spec: AddressSpec) -> String {
        if case .single(let address) = spec { return "\(address)" }
        let range = spec.bounds
        let first = IPAddress(integer: range.low, isIPv4: spec.isIPv4), last = IPAddress(integer: range.high, isIPv4: spec.isIPv4)
        return "\(first) - \(last)"
    }

    /// One preshared entry; the key only at the keymat level.
    static func preshared(_ entry: PresharedEntry, showKey: Bool) -> String {
        var lines = ["PSKEY: For \(entry.mode.map { "\($0.rawValue) mode" } ?? "main mode") exchanges"]
        if showKey {
            lines.append("PSKEY: Pre-shared key (\(entry.key.count) bytes): \(entry.key.keymatHex())")
        }
        for (tag, identity) in [("LOC", entry.localID), ("REM", entry.remoteID)] {
            switch identity {
            case .address(let spec): lines.append("\(tag)IP: \(spec)")
            case .name(let type, let value): lines.append("\(tag)ID: \(type): \(value)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The entry for `get preshared LOCAL REMOTE`: exact identities, as Solaris looks them up.
}
