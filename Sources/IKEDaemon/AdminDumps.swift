import IKEConfig
import IPsecTypes

/// `dump rule`, `get rule`, `dump preshared`, `get preshared` in the Solaris tag layout (spec §4.5).
enum AdminDumps {
    /// One rule, line for line as Solaris prints it: GLOBL: (label and key manager cookie — the
    /// rule's position, counted from 1 —, identity type and exchange, nonces and PFS, lifetimes),
    /// LOCIP:/REMIP: ranges, LOCID:/REMID: descriptors, XFRMS: with each transform.
    static func rule(_ rule: IKERule, in configuration: IKEConfiguration) -> String {
        let phase2 = configuration.effectivePhase2(for: rule)
        let globals = configuration.globals
        let cookie = (configuration.rules.firstIndex { $0.label == rule.label } ?? 0) + 1
        let pfs = phase2.pfsGroup?.rawValue ?? 0
        let lifetime = UInt64(phase2.lifetimeSeconds ?? 0), soft = UInt64(phase2.softLifetimeSeconds ?? 0), idle = UInt64(phase2.idleTimeSeconds ?? 0)
        let kilobytes = UInt64(phase2.lifetimeKilobytes ?? 0), softKilobytes = UInt64(phase2.softLifetimeKilobytes ?? 0)
        let localType = configuration.localIDType(for: rule).payloadType(ipv6: rule.localAddresses.first.map { !$0.isIPv4 } ?? false)
        var lines = [
            "GLOBL: Label '\(rule.label)', key manager cookie \(cookie)",
            "GLOBL: local_idtype=\(SolarisText.identityTypeName(localType)), ike_mode=\(SolarisText.exchangeName(mainMode: true, aggressive: false))",
            "GLOBL: p1_nonce_len=\(globals.phase1NonceLength ?? IKEDefaults.phase1NonceLength), p2_nonce_len=\(globals.phase2NonceLength ?? IKEDefaults.phase2NonceLength), "
                + "p2_pfs=\(pfs != 0 ? "true" : "false") (group \(pfs))",
            "GLOBL: p2_lifetime=\(lifetime) seconds\(SolarisText.duration(lifetime))",
            "GLOBL: p2_softlife=\(soft) seconds\(SolarisText.duration(soft))",
            "GLOBL: p2_idletime=\(idle) seconds\(SolarisText.duration(idle))",
            "GLOBL: p2_lifetime_kb=\(kilobytes) kilobytes\(SolarisText.byteCount(kilobytes << 10, leading: true))",
            "GLOBL: p2_softlife_kb=\(softKilobytes) kilobytes\(SolarisText.byteCount(softKilobytes << 10, leading: true))",
        ]
        if !rule.localAddresses.isEmpty { lines += ["LOCIP: IP address range(s):"] + rule.localAddresses.map { "LOCIP: \(range($0))" } }
        if !rule.remoteAddresses.isEmpty { lines += ["REMIP: IP address range(s):"] + rule.remoteAddresses.map { "REMIP: \(range($0))" } }
        func descriptors(_ tag: String, _ selectors: [CertificateSelector]) {
            let includes = selectors.flatMap(\.includes), excludes = selectors.flatMap(\.excludes)
            guard !includes.isEmpty || !excludes.isEmpty || !selectors.isEmpty else { return }
            lines.append("\(tag) Identity descriptors:")
            func text(_ specifier: CertificateSelector.Specifier) -> String { specifier.kind == .bare ? specifier.value : "\(specifier.kind.rawValue)=\(specifier.value)" }
            // A remote_id "" (anyone) is one empty include.
            let shown = includes.isEmpty && excludes.isEmpty ? [""] : includes.map(text)
            if !shown.isEmpty { lines += ["\(tag) Includes:"] + shown.map { "\(tag)    \($0)" } }
            if !excludes.isEmpty { lines += ["\(tag) Excludes:"] + excludes.map { "\(tag)    \(text($0))" } }
        }
        descriptors("LOCID:", rule.localID.map { [$0] } ?? [])
        descriptors("REMID:", rule.remoteIDs)
        let transforms = configuration.transforms(for: rule)
        if !transforms.isEmpty { lines.append("XFRMS: Available Transforms:") }
        for (index, transform) in transforms.enumerated() {
            let prefix = "XF \(index < 10 ? " " : "")\(index):"
            let seconds = UInt64(transform.lifetimeSeconds ?? globals.phase1LifetimeSeconds ?? IKEDefaults.phase1LifetimeSeconds)
            var bits = ""
            if transform.encryption == .aesCBC || transform.encryption == .blowfishCBC {
                let range = transform.keyBits ?? (transform.encryption == .aesCBC ? 128...256 : 128...128)
                bits = range.lowerBound == range.upperBound ? "(\(range.lowerBound))" : "(\(range.lowerBound)..\(range.upperBound))"
            }
            lines += [
                "\(prefix) Authentication method: \(SolarisText.authenticationMethodName(transform.authenticationMethod))",
                "\(prefix) Encryption alg: \(SolarisText.encryptionName(transform.encryption))\(bits); Authentication alg: \(SolarisText.hashName(transform.hash))",
                "\(prefix) Oakley Group: \(SolarisText.groupName(transform.group))",
                pfs == 0 ? "\(prefix) Phase 2 PFS is not used" : "\(prefix) Phase 2 PFS is required (Oakley Group: \(SolarisText.groupName(DHGroup(rawValue: pfs))))",
                "\(prefix) Lifetime limits:",
                "\(prefix) \(seconds) seconds\(SolarisText.duration(seconds)); 0 kbytes protected",
                "\(prefix) keying material for IPsec SAs can be provided 0 times (no limit)",
            ]
        }
        return lines.joined(separator: "\n")
    }

    static func range(_ spec: AddressSpec) -> String {
        if case .single(let address) = spec { return "\(address)" }
        let range = spec.bounds
        let first = IPAddress(integer: range.low, isIPv4: spec.isIPv4), last = IPAddress(integer: range.high, isIPv4: spec.isIPv4)
        return "\(first) - \(last)"
    }

    /// One preshared entry as Solaris prints it: PSKEY: lines (the key only at the keymat level,
    /// hex and bits), then the addresses (LOCIP:/REMIP:, with the prefix length) or the identities
    /// (LOCID:/REMID:).
    static func preshared(_ entry: PresharedEntry, showKey: Bool) -> String {
        let mode = entry.mode ?? .main
        var lines = ["PSKEY: For \(SolarisText.exchangeName(mainMode: mode != .aggressive, aggressive: mode != .main)) exchanges"]
        if showKey {
            lines.append("PSKEY: Pre-shared key (\(entry.key.count) bytes): \(SolarisText.key(entry.key))")
        }
        for (tag, identity) in [("LOC", entry.localID), ("REM", entry.remoteID)] {
            switch identity {
            case .address(let spec):
                lines.append("\(tag)IP: Address:")
                let bounds = spec.bounds
                let first = IPAddress(integer: bounds.low, isIPv4: spec.isIPv4)
                if let prefix = AddressRange(first: first, last: IPAddress(integer: bounds.high, isIPv4: spec.isIPv4)).prefixLength {
                    lines.append("\(tag)IP: " + SolarisText.socketAddress(first, port: 0, prefixLength: bounds.low == bounds.high ? 0 : prefix))
                } else {
                    lines.append("\(tag)IP: \(range(spec))")
                }
            case .name(let type, let value):
                lines.append("\(tag)ID: Identity, uid=0, type \(SolarisText.identityTypeName(type))")
                lines.append("\(tag)ID: \(value)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The entry for `get preshared LOCAL REMOTE`: exact identities, as Solaris looks them up.
}
