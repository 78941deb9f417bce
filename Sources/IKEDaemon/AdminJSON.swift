import IKEConfig
import IKEEngine
import IPsecTypes

/// `ikeadm --json`: the facts of the Solaris-layout answers as documents for scripts. Each function
/// reads the same values its text twin in `ControlCommands`, `AdminText` or `AdminDumps` prints.
enum AdminJSON {
    static func string(_ text: CustomStringConvertible) -> Field { .string(text.description) }

    static func number<N: BinaryInteger>(_ value: N) -> Field { .number(Int64(clamping: value)) }

    static func phase1(_ sa: Phase1Summary, showKeys: Bool) -> Field {
        var pairs: [(String, Field)] = [
            ("initiator_cookie", .string(ControlCommands.hex(sa.initiatorCookie))),
            ("responder_cookie", .string(ControlCommands.hex(sa.responderCookie))),
            ("role", .string(sa.role)), ("state", .string(sa.state)),
            ("local", string(sa.local)), ("remote", string(sa.remote)), ("rule", .string(sa.rule)),
            ("peer_vendor_ids", .array(sa.peerVendorIDs.map { .string($0) })),
            ("dead_peer_detection", .bool(sa.deadPeerDetection)),
            ("ipsec_sas_created", number(sa.counters.ipsecSAsCreated)), ("ipsec_sas_deleted", number(sa.counters.ipsecSAsDeleted)),
            ("receive_decrypt_errors", number(sa.counters.receiveDecryptErrors)), ("receive_hash_errors", number(sa.counters.receiveHashErrors)),
            ("receive_other_errors", number(sa.counters.receiveOtherErrors)),
        ]
        if let transform = sa.transform { pairs.append(("transform", .string(transform))) }
        if let lifetime = sa.lifetimeSeconds { pairs.append(("lifetime_seconds", number(lifetime))) }
        if let result = sa.deadPeerDetectionResult { pairs.append(("dead_peer_detection_result", .string(result))) }
        if let method = sa.authenticationMethod { pairs.append(("auth_method", .string(method.configName))) }
        if let identity = sa.localIdentity { pairs.append(("local_identity", .string(identity.value))) }
        if let identity = sa.peerIdentity { pairs.append(("peer_identity", .string(identity.value))) }
        if let subject = sa.peerCertificateSubject {
            pairs.append(("peer_certificate", .object([("subject", .string(subject)), ("issuer", .string(sa.peerCertificateIssuer ?? ""))])))
        }
        if let method = sa.natTraversal {
            pairs.append(("nat_traversal", .object([("method", .string(method)), ("state", .string(sa.natState ?? "")),
                                                    ("keepalives_sent", number(sa.natKeepalivesSent))])))
        }
        if showKeys, let keys = sa.keys {
            var material: [(String, Field)] = [
                ("algorithm", .string(keys.algorithm.configName)),
                ("skeyid", .string(keys.skeyid.keymatHex())), ("skeyid_d", .string(keys.skeyidD.keymatHex())),
                ("skeyid_a", .string(keys.skeyidA.keymatHex())), ("skeyid_e", .string(keys.skeyidE.keymatHex())),
                ("encryption_key", .string(keys.encryptionKey.keymatHex())),
            ]
            if let preshared = keys.presharedKey { material.insert(("preshared_key", .string(preshared.keymatHex())), at: 0) }
            pairs.append(("keys", .object(material)))
        }
        return .object(pairs)
    }

    static func ipsec(_ sa: IPsecSASummary) -> Field {
        var pairs: [(String, Field)] = [
            ("peer", string(sa.peer)), ("algorithms", .string(sa.algorithms)), ("mode", .string(sa.mode.rawValue)),
            ("inbound_spi", .string(ControlCommands.hex(sa.inboundSPI))), ("outbound_spi", .string(ControlCommands.hex(sa.outboundSPI))),
            ("selector", string(sa.selector)),
            ("soft_seconds", number(sa.lifetime.softSeconds)), ("hard_seconds", number(sa.lifetime.hardSeconds)),
            ("hard_kilobytes", number(sa.lifetime.hardBytes / 1024)), ("age_seconds", number(Int64(sa.ageSeconds))),
        ]
        if let encapsulation = sa.encapsulation {
            var fields: [(String, Field)] = [("local_port", number(encapsulation.sourcePort)), ("peer_port", number(encapsulation.destinationPort))]
            if let original = encapsulation.originalAddress { fields.append(("peer_original_address", string(original))) }
            pairs.append(("udp_encapsulation", .object(fields)))
        }
        return .object(pairs)
    }

    static func statistics(_ s: EngineStatistics) -> Field {
        func pair(_ initiator: Int, _ responder: Int) -> Field { .object([("initiator", number(initiator)), ("responder", number(responder))]) }
        return .object([
            ("phase1_current", pair(s.phase1CurrentInitiator, s.phase1CurrentResponder)),
            ("phase1_total", pair(s.phase1TotalInitiator, s.phase1TotalResponder)),
            ("phase1_attempted", pair(s.phase1AttemptedInitiator, s.phase1AttemptedResponder)),
            ("phase1_failed", pair(s.phase1FailedInitiator, s.phase1FailedResponder)),
            ("phase1_initiator_timeouts", number(s.phase1InitiatorTimeouts)),
            ("phase1_failure_reasons", .object(Phase1FailureReason.allCases.compactMap { reason in s.phase1FailureReasons[reason].map { (reason.rawValue, number($0)) } })),
            ("quick_mode_completed", number(s.quickModeCompleted)), ("quick_mode_failed", number(s.quickModeFailed)),
            ("quick_mode_refused", number(s.quickModeRefused)), ("phase1_presumed_dead", number(s.phase1PresumedDead)), ("quick_mode_busy_dropped", number(s.quickModeBusyDropped)),
            ("informational_ignored", number(s.informationalIgnored)),
            ("half_open_refused", number(s.halfOpenRefused)), ("half_open_evicted", number(s.halfOpenEvicted)),
            ("dpd_requests_sent", number(s.dpdRequestsSent)), ("dpd_requests_answered", number(s.dpdRequestsAnswered)), ("dpd_dead_peers", number(s.dpdDeadPeers)),
            ("nat_detected", number(s.natDetected)), ("nat_keepalives_sent", number(s.natKeepalivesSent)),
            ("nat_mapping_changes", number(s.natMappingChanges)), ("nat_non_ike_dropped", number(s.natNonIKEDropped)),
            ("unauthenticated_dh_deferred", number(s.unauthenticatedComputeDeferred)),
            ("ipsec_sas_installed", number(s.ipsecSAsInstalled)), ("ipsec_sas_deleted", number(s.ipsecSAsDeleted)),
            ("dropped_malformed", number(s.malformedDropped)), ("dropped_unexpected", number(s.unexpectedDropped)),
            ("dropped_unauthenticated", number(s.authenticationDropped)), ("retransmissions", number(s.retransmissions)),
            ("fragments_sent", number(s.fragmentsSent)), ("fragments_received", number(s.fragmentsReceived)),
        ])
    }

    static func privilege(_ level: PrivilegeLevel) -> Field {
        .object([("level", number(level.rawValue)), ("description", .string(level.description))])
    }

    static func debug(_ categories: DebugCategories, logFile: String?) -> Field {
        let enabled = DebugCategories.descriptions.filter { categories.contains($0.0) }.map { Field.string($0.1) }
        var pairs: [(String, Field)] = [("level", .string(AdminText.hex(categories.rawValue))), ("categories", .array(enabled))]
        if let logFile { pairs.append(("log_file", .string(logFile))) }
        return .object(pairs)
    }

    static func preshared(_ entry: PresharedEntry, showKey: Bool) -> Field {
        func identity(_ type: IdentificationType, _ identity: PresharedIdentity) -> Field {
            .object([("type", string(type)), ("id", string(identity))])
        }
        var pairs: [(String, Field)] = [
            ("mode", .string(entry.mode?.rawValue ?? "main")),
            ("local", identity(entry.localIDType, entry.localID)), ("remote", identity(entry.remoteIDType, entry.remoteID)),
        ]
        if showKey { pairs.append(("key", .string(entry.key.keymatHex()))) }
        return .object(pairs)
    }

    static func rule(_ rule: IKERule, in configuration: IKEConfiguration) -> Field {
        let phase2 = configuration.effectivePhase2(for: rule)
        let globals = configuration.globals
        let transforms = configuration.transforms(for: rule).map { transform -> Field in
            .object([
                ("encryption", .string(transform.encryptionConfigText)), ("hash", .string(transform.hash.configName)),
                ("group", string(transform.group)), ("auth_method", .string(transform.authenticationMethod.configName)),
                ("lifetime_seconds", number(transform.lifetimeSeconds ?? globals.phase1LifetimeSeconds ?? IKEDefaults.phase1LifetimeSeconds)),
            ])
        }
        var pairs: [(String, Field)] = [
            ("label", .string(rule.label)),
            ("local_addresses", .array(rule.localAddresses.map { .string(AdminDumps.range($0)) })),
            ("remote_addresses", .array(rule.remoteAddresses.map { .string(AdminDumps.range($0)) })),
            ("local_id_type", .string(configuration.localIDType(for: rule).rawValue)),
            ("p2_pfs", number(phase2.pfsGroup?.rawValue ?? 0)),
            ("p2_lifetime_seconds", number(phase2.lifetimeSeconds ?? 0)), ("p2_softlife_seconds", number(phase2.softLifetimeSeconds ?? 0)),
            ("p2_idletime_seconds", number(phase2.idleTimeSeconds ?? 0)),
            ("p2_lifetime_kilobytes", number(phase2.lifetimeKilobytes ?? 0)), ("p2_softlife_kilobytes", number(phase2.softLifetimeKilobytes ?? 0)),
            ("transforms", .array(transforms)),
        ]
        if let local = rule.localID { pairs.append(("local_id", .string(local.text))) }
        if !rule.remoteIDs.isEmpty { pairs.append(("remote_ids", .array(rule.remoteIDs.map { .string($0.text) }))) }
        return .object(pairs)
    }

    static func defaults(_ configuration: IKEConfiguration, ports: AdminText.Ports = AdminText.Ports()) -> Field {
        .array(AdminText.defaultRows(configuration, ports: ports).map { row in
            .object([
                ("token", .string(row.token)), ("source", .string(row.configured ? "config" : "default")),
                ("value", .number(row.value)), ("unit", .string(row.unit)), ("description", .string(row.description)),
            ])
        })
    }

    static func certificate(_ entry: CertificateCache.Entry) -> Field {
        .object([
            ("id", number(entry.id)), ("subject", .string(entry.certificate.subject)), ("issuer", .string(entry.certificate.issuer)),
            ("trusted", .bool(entry.trusted)), ("private_key", .bool(entry.hasPrivateKey)), ("file", .string(entry.file)),
            ("authority", .bool(entry.isAuthority)), ("revoked", .bool(entry.revoked)),
        ])
    }

    static func keyTable(_ summaries: [Phase1Summary]) -> Field {
        .array(summaries.compactMap { sa in
            sa.keys.map { keys in
                .object([
                    ("initiator_cookie", .string(ControlCommands.hex(sa.initiatorCookie))),
                    ("responder_cookie", .string(ControlCommands.hex(sa.responderCookie))),
                    ("algorithm", .string(keys.algorithm.configName)), ("key", .string(keys.encryptionKey.keymatHex())),
                ])
            }
        })
    }
}
