import IPsecTypes

/// The checks ike.config(5) states beyond the grammar (spec §2.9), plus value ranges.
enum IKEConfigValidator {
    static func validate(_ configuration: IKEConfiguration) -> [ConfigDiagnostic] {
        var problems: [ConfigDiagnostic] = []
        let globals = configuration.globals
        func at(_ keyword: String) -> SourceLocation { globals.keywordLocations[keyword] ?? .builtIn }

        // Global values.
        if let limit = globals.retryLimit, !IKEDefaults.retryLimits.contains(limit) {
            problems.append(ConfigDiagnostic(at("retry_limit"), "retry_limit \(limit) is outside \(IKEDefaults.retryLimits.lowerBound)-\(IKEDefaults.retryLimits.upperBound)"))
        }
        let initial = globals.retryTimerInitial ?? IKEDefaults.retryTimerInitial
        let maximum = globals.retryTimerMaximum ?? IKEDefaults.retryTimerMaximum
        if initial <= 0 { problems.append(ConfigDiagnostic(at("retry_timer_init"), "retry_timer_init must be more than 0 seconds")) }
        if initial > maximum {
            let keyword = globals.retryTimerInitial != nil ? "retry_timer_init" : "retry_timer_max"
            problems.append(ConfigDiagnostic(at(keyword), "retry_timer_init (\(initial) s) is larger than retry_timer_max (\(maximum) s)"))
        }
        if let interval = globals.dpdInterval, !IKEDefaults.dpdIntervals.contains(interval) {
            problems.append(ConfigDiagnostic(at("dpd_interval"), "dpd_interval \(interval) is outside 0-\(IKEDefaults.dpdIntervals.upperBound) seconds (0 turns DPD off)"))
        }
        if let retries = globals.dpdRetries, !IKEDefaults.retryLimits.contains(retries) {
            problems.append(ConfigDiagnostic(at("dpd_retries"), "dpd_retries \(retries) is outside \(IKEDefaults.retryLimits.lowerBound)-\(IKEDefaults.retryLimits.upperBound)"))
        }
        if let keepalive = globals.natKeepalive, !IKEDefaults.natKeepalives.contains(keepalive) {
            problems.append(ConfigDiagnostic(at("nat_keepalive"), "nat_keepalive \(keepalive) is outside 0-\(IKEDefaults.natKeepalives.upperBound) seconds (0 turns NAT keepalives off)"))
        }
        if globals.expireTimer == 0 { problems.append(ConfigDiagnostic(at("expire_timer"), "expire_timer must be at least 1 second")) }
        for keyword in ["p1_nonce_len", "p2_nonce_len"] {
            let value = keyword == "p1_nonce_len" ? globals.phase1NonceLength : globals.phase2NonceLength
            if let value, !IKEDefaults.nonceLengths.contains(value) {
                problems.append(ConfigDiagnostic(at(keyword), "\(keyword) \(value) is outside 8-256 bytes (RFC 2409 §5)"))
            }
        }
        if let lifetime = globals.phase1LifetimeSeconds, lifetime < IKEDefaults.minimumPhase1LifetimeSeconds {
            problems.append(ConfigDiagnostic(at("p1_lifetime_secs"), "p1_lifetime_secs \(lifetime) is below the minimum of \(IKEDefaults.minimumPhase1LifetimeSeconds)"))
        }
        problems += phase2Problems(globals.phase2, effective: configuration.effectiveGlobalPhase2, locations: globals.keywordLocations, owner: "the global defaults")
        for transform in configuration.defaultTransforms { problems += transformProblems(transform) }

        // Rules.
        var labels: [String: SourceLocation] = [:]
        for rule in configuration.rules {
            let name = rule.label.isEmpty ? "the rule opened at \(rule.location.lineAndColumn)" : "rule \"\(rule.label)\""
            func ruleAt(_ keyword: String) -> SourceLocation { rule.keywordLocations[keyword] ?? rule.location }
            if rule.label.isEmpty {
                problems.append(ConfigDiagnostic(rule.location, "rule has no label"))
            } else if let first = labels[rule.label] {
                problems.append(ConfigDiagnostic(ruleAt("label"), "duplicate label \"\(rule.label)\" (first used at \(first.file == ruleAt("label").file ? first.lineAndColumn : first.description))"))
            } else {
                labels[rule.label] = rule.keywordLocations["label"] ?? rule.location
            }
            // A keyword that was written but did not parse has its own error already.
            let written = Set(rule.keywordLocations.keys)
            if rule.localAddresses.isEmpty, !written.contains("local_addr") { problems.append(ConfigDiagnostic(rule.location, "\(name) has no local_addr")) }
            if rule.remoteAddresses.isEmpty, !written.contains("remote_addr") { problems.append(ConfigDiagnostic(rule.location, "\(name) has no remote_addr")) }
            if !rule.localAddresses.isEmpty, !rule.remoteAddresses.isEmpty,
               !rule.localAddresses.contains(where: { local in rule.remoteAddresses.contains { $0.isIPv4 == local.isIPv4 } }) {
                problems.append(ConfigDiagnostic(rule.location, "\(name) pairs only IPv4 with only IPv6 addresses; it can never match"))
            }
            let transforms = configuration.transforms(for: rule)
            for transform in rule.transforms { problems += transformProblems(transform) }
            guard !transforms.isEmpty else {
                if !written.contains("p1_xform"), globals.keywordLocations["p1_xform"] == nil {
                    problems.append(ConfigDiagnostic(rule.location, "\(name) has no p1_xform and there is no global p1_xform list"))
                }
                continue
            }
            let preshared = transforms.filter(\.isPreShared).count
            if preshared != 0, preshared != transforms.count {
                problems.append(ConfigDiagnostic(rule.transforms.isEmpty ? rule.location : rule.transforms[0].location,
                                                 "\(name) mixes preshared and certificate auth_methods in its transforms"))
            } else if preshared == transforms.count {
                if rule.localID != nil { problems.append(ConfigDiagnostic(ruleAt("local_id"), "\(name) uses preshared keys, which take no local_id")) }
                if !rule.remoteIDs.isEmpty { problems.append(ConfigDiagnostic(ruleAt("remote_id"), "\(name) uses preshared keys, which take no remote_id")) }
            } else {
                if rule.localIDType == nil, globals.localIDType == nil {
                    problems.append(ConfigDiagnostic(rule.location, "\(name) authenticates with certificates and needs local_id_type"))
                }
                if rule.localID == nil { problems.append(ConfigDiagnostic(rule.location, "\(name) authenticates with certificates and needs local_id")) }
                if rule.remoteIDs.isEmpty { problems.append(ConfigDiagnostic(rule.location, "\(name) authenticates with certificates and needs remote_id (\"\" accepts any)")) }
            }
            problems += phase2Problems(rule.phase2, effective: configuration.effectivePhase2(for: rule), locations: rule.keywordLocations, owner: name, fallback: rule.location)
        }
        return problems
    }

    private static func transformProblems(_ transform: Phase1Transform) -> [ConfigDiagnostic] {
        guard let lifetime = transform.lifetimeSeconds, lifetime < IKEDefaults.minimumPhase1LifetimeSeconds else { return [] }
        return [ConfigDiagnostic(transform.location, "p1_lifetime_secs \(lifetime) is below the minimum of \(IKEDefaults.minimumPhase1LifetimeSeconds)")]
    }

    /// Lifetime ranges and soft ≤ hard for one level (globals or a rule).
    private static func phase2Problems(
        _ written: Phase2Settings, effective: Phase2Settings, locations: [String: SourceLocation], owner: String, fallback: SourceLocation = .builtIn
    ) -> [ConfigDiagnostic] {
        var problems: [ConfigDiagnostic] = []
        func at(_ keyword: String) -> SourceLocation { locations[keyword] ?? fallback }
        if let group = written.pfsGroup, group.kind == .ec2n {
            problems.append(ConfigDiagnostic(at("p2_pfs"), "p2_pfs \(group.rawValue) (\(group)) is an EC2N group, which this implementation does not provide"))
        }
        if let hard = written.lifetimeSeconds {
            if hard < IKEDefaults.minimumPhase2LifetimeSeconds || hard > IKEDefaults.maximumPhase2LifetimeSeconds {
                problems.append(ConfigDiagnostic(at("p2_lifetime_secs"), "p2_lifetime_secs \(hard) is outside \(IKEDefaults.minimumPhase2LifetimeSeconds)-\(IKEDefaults.maximumPhase2LifetimeSeconds) in \(owner)"))
            }
        }
        if let hard = written.lifetimeKilobytes, hard != 0, hard < IKEDefaults.minimumPhase2LifetimeKilobytes {
            problems.append(ConfigDiagnostic(at("p2_lifetime_kb"), "p2_lifetime_kb \(hard) is below the minimum of \(IKEDefaults.minimumPhase2LifetimeKilobytes) in \(owner)"))
        }
        // Checked where soft or hard is written, so an inherited problem is reported once, at its source.
        if written.softLifetimeSeconds != nil || written.lifetimeSeconds != nil,
           let soft = effective.softLifetimeSeconds, let hard = effective.lifetimeSeconds, soft > hard {
            problems.append(ConfigDiagnostic(at(written.softLifetimeSeconds != nil ? "p2_softlife_secs" : "p2_lifetime_secs"),
                                             "p2_softlife_secs \(soft) is above p2_lifetime_secs \(hard) in \(owner)"))
        }
        if written.softLifetimeKilobytes != nil || written.lifetimeKilobytes != nil,
           let soft = effective.softLifetimeKilobytes, let hard = effective.lifetimeKilobytes, hard != 0, soft > hard {
            problems.append(ConfigDiagnostic(at(written.softLifetimeKilobytes != nil ? "p2_softlife_kb" : "p2_lifetime_kb"),
                                             "p2_softlife_kb \(soft) is above p2_lifetime_kb \(hard) in \(owner)"))
        }
        return problems
    }
}
