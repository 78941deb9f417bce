import IKEEngine
import IPsecTypes
#if canImport(Glibc)
import Glibc
#endif

/// The commands the control socket understands and the Solaris-style text they answer with
/// (spec §4.5: tag-prefixed lines, "Completed dump of …").
enum ControlCommands {
    enum Command: Equatable {
        case dumpPhase1
        case dumpKeys
        case dumpCertificateCache
        case dumpGroups
        case dumpCiphers
        case dumpHashes
        case flushCertificateCache
        case dumpSAs
        case getStatistics
        case initiate(IPAddress, IPAddress)
        case deleteSAs(IPAddress)
        case deletePhase1(Phase1Selector)
        case getPhase1(Phase1Selector)
        case getDebug
        case setDebug(DebugCategories, file: String?)
        case getPrivilege
        case setPrivilege(PrivilegeLevel)
        case getDefaults
        case dumpRules
        case getRule(String)
        case dumpPreshared
        case getPreshared(PresharedSelector)
        case flushPhase1
        case readRules(String?)
        case writeRules(String)
        case writePreshared(String)
        case deleteRule(String)
        case readPreshared(String?)
        /// Entries in ike.preshared syntax, from the command line or a file the client read.
        case addPreshared(String)
        case deletePreshared(PresharedSelector)
        /// Rules in ike.config syntax, from the command line or a file the client read; `source`
        /// names where they came from for error messages.
        case addRules(source: String, text: String)
    }

    /// Parses `IKEADM/1 <words>`; the error text names what was wrong.
    static func parse(_ request: String) -> Result<Command, DaemonError> {
        var words = request.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard words.first == ControlSocket.version else { return .failure(DaemonError("unsupported control protocol (expected \(ControlSocket.version))")) }
        words.removeFirst()
        // Rule text keeps its line breaks and quoting, so errors point into the client's file.
        let addRulePrefix = ControlSocket.version + " add rule"
        // A label is the rest of the line as typed: blanks inside it are part of it.
        for (verb, make) in [("get", Command.getRule), ("del", Command.deleteRule)] {
            let prefix = ControlSocket.version + " \(verb) rule "
            if request.hasPrefix(prefix), !request.dropFirst(prefix.count).allSatisfy({ $0 == " " }) {
                return .success(make(String(request.dropFirst(prefix.count))))
            }
        }
        if request.hasPrefix(addRulePrefix + " ") {
            // `IKEADM/1 add rule <source>\n<text>`.
            let rest = request.dropFirst(addRulePrefix.count + 1)
            guard let newline = rest.firstIndex(of: "\n") else { return .failure(DaemonError("add rule takes { rule } or a file")) }
            return .success(.addRules(source: String(rest[..<newline]), text: String(rest[rest.index(after: newline)...])))
        }
        switch words {
        case ["dump", "p1"]: return .success(.dumpPhase1)
        case ["dump", "sa"]: return .success(.dumpSAs)
        case ["dump", "keys"]: return .success(.dumpKeys)
        case ["dump", "certcache"]: return .success(.dumpCertificateCache)
        case ["dump", "groups"]: return .success(.dumpGroups)
        case ["dump", "encralgs"]: return .success(.dumpCiphers)
        case ["dump", "authalgs"]: return .success(.dumpHashes)
        case ["flush", "certcache"]: return .success(.flushCertificateCache)
        case ["get", "stats"]: return .success(.getStatistics)
        case ["get", "debug"]: return .success(.getDebug)
        case ["get", "priv"]: return .success(.getPrivilege)
        case ["get", "defaults"]: return .success(.getDefaults)
        case ["dump", "rule"]: return .success(.dumpRules)
        case ["dump", "preshared"]: return .success(.dumpPreshared)
        case ["flush", "p1"]: return .success(.flushPhase1)
        case ["read", "rule"]: return .success(.readRules(nil))
        case ["read", "preshared"]: return .success(.readPreshared(nil))
        case let w where w.count == 3 && w[0] == "read" && w[1] == "rule": return .success(.readRules(w[2]))
        case let w where w.count == 3 && w[0] == "read" && w[1] == "preshared": return .success(.readPreshared(w[2]))
        case let w where w.count == 3 && w[0] == "write" && w[1] == "rule": return .success(.writeRules(w[2]))
        case let w where w.count == 3 && w[0] == "write" && w[1] == "preshared": return .success(.writePreshared(w[2]))
        case let w where w.count >= 2 && (w[0] == "get" || w[0] == "del") && w[1] == "preshared":
            guard let selector = PresharedSelector(w[2...]) else {
                return .failure(DaemonError("\(w[0]) preshared takes LOCAL REMOTE or LOCALTYPE LOCAL REMOTETYPE REMOTE (types: ip, fqdn, user_fqdn, dn, …)"))
            }
            return .success(w[0] == "get" ? .getPreshared(selector) : .deletePreshared(selector))
        case let w where w.count >= 3 && w[0] == "add" && w[1] == "preshared": return .success(.addPreshared(w[2...].joined(separator: " ")))
        case let w where (w.count == 3 || w.count == 4) && w[0] == "set" && w[1] == "debug":
            guard let categories = DebugCategories(parsing: w[2]) else { return .failure(DaemonError("Bad debug level: \(w[2])")) }
            return .success(.setDebug(categories, file: w.count == 4 ? w[3] : nil))
        case let w where w.count == 3 && w[0] == "set" && w[1] == "priv":
            guard let level = PrivilegeLevel(parsing: w[2]) else { return .failure(DaemonError("Bad privilege level: \(w[2])")) }
            return .success(.setPrivilege(level))
        case let w where w.count == 3 && w[0] == "initiate":
            guard let source = IPAddress(w[1]), let destination = IPAddress(w[2]), source.isIPv4 == destination.isIPv4 else {
                return .failure(DaemonError("initiate takes two addresses of one family"))
            }
            return .success(.initiate(source, destination))
        case let w where w.count == 3 && w[0] == "del" && w[1] == "sa":
            guard let peer = IPAddress(w[2]) else { return .failure(DaemonError("del sa takes the peer's address")) }
            return .success(.deleteSAs(peer))
        case let w where w.count == 4 && (w[0] == "del" || w[0] == "get") && w[1] == "p1":
            guard let selector = Phase1Selector(w[2], w[3]) else {
                return .failure(DaemonError("\(w[0]) p1 takes two cookies (0x…) or the local and remote addresses"))
            }
            return .success(w[0] == "del" ? .deletePhase1(selector) : .getPhase1(selector))
        default:
            return .failure(DaemonError("unknown command '\(words.joined(separator: " "))'"))
        }
    }

    /// Which Phase 1 SAs `get p1` and `del p1` mean: a cookie pair (the first word begins with 0x, as
    /// Solaris decides) or the local and remote addresses.
    enum Phase1Selector: Equatable {
        case cookies(UInt64, UInt64)
        case addresses(local: IPAddress, remote: IPAddress)

        init?(_ first: String, _ second: String) {
            if first.hasPrefix("0x") {
                guard let initiator = ControlCommands.cookie(first), let responder = ControlCommands.cookie(second) else { return nil }
                self = .cookies(initiator, responder)
            } else {
                guard let local = IPAddress(first), let remote = IPAddress(second) else { return nil }
                self = .addresses(local: local, remote: remote)
            }
        }

        func matches(_ sa: Phase1Summary) -> Bool {
            switch self {
            case .cookies(let initiator, let responder): sa.initiatorCookie == initiator && sa.responderCookie == responder
            case .addresses(let local, let remote): sa.local.address == local && sa.remote.address == remote
            }
        }
    }

    static func cookie(_ text: String) -> UInt64? {
        let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
        return UInt64(digits, radix: 16)
    }

    static func hex(_ value: UInt64) -> String { value.paddedHex }

    static func hex(_ value: UInt32) -> String { value.paddedHex }

    static func phase1(_ summaries: [Phase1Summary], showKeys: Bool) -> String {
        (summaries.map { phase1($0, showKeys: showKeys) } + ["Completed dump of phase 1 SAs (\(summaries.count))"]).joined(separator: "\n\n")
    }

    /// One Phase 1 SA in the Solaris layout, line for line (spec §4.5): IKESA: (cookies, role,
    /// version and exchange, state, Dead Peer Detection), XFORM:, LOCIP:/REMIP:, LIFTM:, STATS:,
    /// ERRS:, LOCID:/REMID:, and KEY: at keymat; then this implementation's VID: and NAT: lines.
    /// `now` is the wall clock the ages are counted back from.
    static func phase1(_ sa: Phase1Summary, showKeys: Bool, now: Int = Int(time(nil))) -> String {
        var lines = [
            "IKESA: Cookies: Initiator 0x\(String(sa.initiatorCookie, radix: 16))  Responder 0x\(String(sa.responderCookie, radix: 16))",
            "IKESA: The local host is the \(sa.role).",
            "IKESA: ISAKMP version 1.0; main mode (identity protect) exchange",
            "IKESA: Current state is \(sa.state)",
        ]
        if sa.deadPeerDetection {
            lines.append("IKESA: Dead Peer Detection (RFC 3706) enabled")
            switch sa.deadPeerDetectionResult {
            case "successful", "failed":
                let at = SolarisText.time(now - Int(sa.deadPeerDetectionAge ?? 0))
                lines.append("IKESA: Dead Peer Detection handshake \(sa.deadPeerDetectionResult == "failed" ? "failed at " : "was successful at ") \(at)")
            case "in progress":
                lines.append("IKESA: Dead Peer Detection handshake is in progress. ")
            default:
                break
            }
        }
        if let method = sa.authenticationMethod {
            lines.append("XFORM: Authentication method: \(SolarisText.authenticationMethodName(method))")
            let bits = sa.encryption == .aesCBC || sa.encryption == .blowfishCBC ? "(\(sa.keyBits))" : ""
            lines.append("XFORM: Encryption alg: \(sa.encryption.map(SolarisText.encryptionName) ?? "<none>")\(bits); Authentication alg: \(sa.hash.map(SolarisText.hashName) ?? "<none>")")
            lines.append("XFORM: Oakley Group: \(sa.group.map(SolarisText.groupName) ?? "<unavailable>")")
            lines.append(sa.pfsGroup == 0 ? "XFORM: Phase 2 PFS is not used" : "XFORM: Phase 2 PFS is required (Oakley Group: \(SolarisText.groupName(DHGroup(rawValue: sa.pfsGroup))))")
        }
        let (localRole, remoteRole) = sa.role == "initiator" ? ("Initiator", "Responder") : ("Responder", "Initiator")
        lines += ["LOCIP: Address (\(localRole)):", "LOCIP: " + SolarisText.socketAddress(sa.local.address, port: sa.local.port),
                  "REMIP: Address (\(remoteRole)):", "REMIP: " + SolarisText.socketAddress(sa.remote.address, port: sa.remote.port)]
        let lifetime = UInt64(sa.lifetimeSeconds ?? 0)
        let created = now - Int(sa.ageSeconds)
        lines += [
            "LIFTM: Lifetime limits:",
            "LIFTM: \(lifetime) seconds\(SolarisText.duration(lifetime)); 0 kbytes protected",
            "LIFTM: keying material for IPsec SAs can be provided 0 times (no limit)",
            "LIFTM: Current usage:",
            "LIFTM: SA was created at \(SolarisText.time(created))",
            "LIFTM: 0 kbytes protected",
            "LIFTM: keying material for IPsec SAs provided \(sa.counters.ipsecSAsCreated) times",
            "LIFTM: Expiration info:",
        ]
        if lifetime > 0, let remaining = sa.expiresInSeconds {
            let expiry = SolarisText.time(now + Int(remaining))
            if remaining > 0 {
                let seconds = UInt64(remaining.rounded(.down))
                lines += ["LIFTM: SA expires in \(seconds) seconds\(SolarisText.duration(seconds))", "LIFTM: Time of expiration: \(expiry)"]
            } else {
                lines.append("LIFTM: SA Expired at \(expiry)")
            }
        }
        let counters = sa.counters
        lines.append("STATS: \(counters.ipsecSAsCreated) Quick Mode SAs created; \(counters.ipsecSAsDeleted) Quick Mode SAs deleted")
        let received = counters.receiveDecryptErrors + counters.receiveHashErrors + counters.receiveOtherErrors
        lines.append("ERRS:  \(received) RX errors: \(counters.receiveDecryptErrors) decryption, \(counters.receiveHashErrors) hash, \(counters.receiveOtherErrors) other")
        lines.append("ERRS:  0 TX errors")
        for (tag, identity, role) in [("LOCID:", sa.localIdentity, localRole), ("REMID:", sa.peerIdentity, remoteRole)] {
            guard let identity else { continue }
            lines.append("\(tag) \(role) identity, uid=0, type \(SolarisText.identityTypeName(identity.type))")
            lines.append("\(tag) \(identity.value)")
        }
        if showKeys, let keys = sa.keys {
            if let preshared = keys.presharedKey { lines.append(keyLine("Pre-shared key", preshared)) }
            lines.append(keyLine("SKEYID", keys.skeyid))
            lines.append(keyLine("SKEYID_d", keys.skeyidD))
            lines.append(keyLine("SKEYID_a", keys.skeyidA))
            lines.append(keyLine("SKEYID_e", keys.skeyidE))
            lines.append(keyLine("Encryption key", keys.encryptionKey))
        }
        // This implementation's additions, after the Solaris lines.
        lines.append("RULE:  \"\(sa.rule)\"")
        if let subject = sa.peerCertificateSubject {
            lines.append("CERT:  peer authenticated with <\(subject)>, issuer <\(sa.peerCertificateIssuer ?? "")>")
        }
        if !sa.peerVendorIDs.isEmpty { lines.append("VID:   peer announced \(sa.peerVendorIDs.joined(separator: ", "))") }
        if let method = sa.natTraversal {
            let keepalives = sa.natKeepalivesSent > 0 ? ", \(sa.natKeepalivesSent) keepalives sent" : ""
            lines.append("NAT:   NAT traversal (\(method)): \(sa.natState ?? "no NAT-D yet"), ports \(sa.local.port) <-> \(sa.remote.port)\(keepalives)")
        }
        return lines.joined(separator: "\n")
    }

    /// `dump certcache` as Solaris prints it (the subject and issuer in angle brackets, the
    /// trust and key linkage in brackets), then the file it was read from.
    static func certificateCache(_ cache: CertificateCache) -> String {
        let blocks = cache.entries.map { entry in
            ["CERTIFICATE CACHE ID: \(entry.id)",
             "\tSubject Name: <\(entry.certificate.subject)>",
             "\t Issuer Name: <\(entry.certificate.issuer)>",
             entry.trusted ? "\t\t[trusted certificate]" : nil,
             entry.hasPrivateKey ? "\t\t[Private key available]" : "\t\t[Public certificate only]",
             entry.isAuthority ? "\t\t[certificate authority]" : nil,
             entry.revoked ? "\t\t[revoked by a CRL in crls/]" : nil,
             "\tFile: publickeys/\(entry.file)" + (entry.privateKeyFile.map { ", private key ike.privatekeys/\($0)" } ?? "")].compactMap { $0 }.joined(separator: "\n")
        }
        return (blocks + ["Completed dump of certcache (\(blocks.count))"]).joined(separator: "\n\n")
    }

    static func keyLine(_ name: String, _ key: SecretBytes) -> String {
        "KEY:   \(name) (\(key.count) bytes): \(SolarisText.key(key))"
    }

    /// The Phase 1 decryption table `ikedump --keys` reads (and, from its first and last columns,
    /// Wireshark's IKEv1 table): `icookie rcookie algorithm key`.
    static func keyTable(_ summaries: [Phase1Summary]) -> String {
        var lines = ["# initiator-cookie  responder-cookie  algorithm  key"]
        for sa in summaries {
            guard let keys = sa.keys else { continue }
            lines.append("\(hex(sa.initiatorCookie).dropFirst(2))  \(hex(sa.responderCookie).dropFirst(2))  \(keys.algorithm.configName)  \(keys.encryptionKey.keymatHex())")
        }
        return lines.joined(separator: "\n")
    }

    static func ipsec(_ summaries: [IPsecSASummary]) -> String {
        var lines: [String] = []
        for sa in summaries {
            lines.append("IPSA:  \(sa.algorithms) \(sa.mode.rawValue)  peer \(sa.peer)")
            lines.append("SPI:   in \(hex(sa.inboundSPI))  out \(hex(sa.outboundSPI))")
            lines.append("SEL:   \(sa.selector)")
            if let encapsulation = sa.encapsulation {
                let original = encapsulation.originalAddress.map { "  peer's original address \($0)" } ?? ""
                lines.append("ENCAP: ESP in UDP (RFC 3948), ports \(encapsulation.sourcePort) -> \(encapsulation.destinationPort)\(original)")
            }
            lines.append("LIFE:  soft \(sa.lifetime.softSeconds) s  hard \(sa.lifetime.hardSeconds) s  age \(Int(sa.ageSeconds)) s"
                + (sa.lifetime.hardBytes > 0 ? "  \(sa.lifetime.hardBytes / 1024) KB" : ""))
            lines.append("")
        }
        lines.append("Completed dump of IPsec SAs (\(summaries.count))")
        return lines.joined(separator: "\n")
    }

    /// `authentication failed 2, time-out 1` in the order of the reasons; `none` without failures.
    static func failureReasons(_ s: EngineStatistics) -> String {
        let counted = Phase1FailureReason.allCases.compactMap { reason in s.phase1FailureReasons[reason].map { "\(reason.rawValue) \($0)" } }
        return counted.isEmpty ? "none" : counted.joined(separator: ", ")
    }

    static func statistics(_ s: EngineStatistics) -> String {
        func pad(_ value: Int) -> String { SolarisText.right(String(value), 10) }
        return """
            Phase 1 SA counts:
            Current:   initiator: \(pad(s.phase1CurrentInitiator))   responder: \(pad(s.phase1CurrentResponder))
            Total:     initiator: \(pad(s.phase1TotalInitiator))   responder: \(pad(s.phase1TotalResponder))
            Attempted: initiator: \(pad(s.phase1AttemptedInitiator))   responder: \(pad(s.phase1AttemptedResponder))
            Failed:    initiator: \(pad(s.phase1FailedInitiator))   responder: \(pad(s.phase1FailedResponder))
                       initiator fails include \(s.phase1InitiatorTimeouts) time-out(s)
            Failure reasons: \(failureReasons(s))
            Quick Mode:  completed: \(pad(s.quickModeCompleted))   failed: \(pad(s.quickModeFailed))   refused by the peer: \(pad(s.quickModeRefused))
            Phase 1 SAs presumed dead (unanswered Quick Mode): \(s.phase1PresumedDead)   QM1 dropped (too many in progress): \(s.quickModeBusyDropped)
            IPsec SAs:   installed: \(pad(s.ipsecSAsInstalled))   deleted: \(pad(s.ipsecSAsDeleted))
            Dropped:     malformed: \(pad(s.malformedDropped))   unexpected: \(pad(s.unexpectedDropped))   unauthenticated: \(pad(s.authenticationDropped))
            Half-open:   refused: \(pad(s.halfOpenRefused))   evicted (MM2 never answered): \(pad(s.halfOpenEvicted))   MM3 deferred (DH limit): \(pad(s.unauthenticatedComputeDeferred))
            Dead Peer Detection: R-U-THERE sent: \(pad(s.dpdRequestsSent))   answered: \(pad(s.dpdRequestsAnswered))   peers found dead: \(pad(s.dpdDeadPeers))
            NAT traversal: NAT found: \(pad(s.natDetected))   keepalives sent: \(pad(s.natKeepalivesSent))   mappings followed: \(pad(s.natMappingChanges))   not IKE on NAT-T port: \(s.natNonIKEDropped)
            Informational payloads ignored: \(s.informationalIgnored)
            Retransmissions: \(s.retransmissions)
            IKE fragments: sent: \(pad(s.fragmentsSent))   received: \(pad(s.fragmentsReceived))
            """
    }
}
