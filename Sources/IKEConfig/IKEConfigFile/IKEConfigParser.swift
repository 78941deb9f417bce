import IPsecTypes

/// Reads ike.config(5) into an `IKEConfiguration`, reporting every independent error in one pass.
///
/// The grammar has no nesting beyond `rule { p1_xform { } }`, so the parser is a loop per level. When a
/// value is wrong it reports and moves on to the next keyword; when a block's `}` is missing it reports
/// where the block was opened and closes it where the next block (or the end of the file) begins.
public struct IKEConfigParser {
    private var stream: TokenStream
    private var diagnostics: [ConfigDiagnostic]
    private var configuration = IKEConfiguration()

    /// Keywords valid only at the top level.
    static let globalOnly: Set<String> = [
        "cert_root", "cert_trust", "dpd_interval", "dpd_retries", "expire_timer", "ignore_crls", "ldap_server", "nat_keepalive", "pkcs11_path", "retry_limit",
        "retry_timer_init", "retry_timer_max", "proxy", "socks", "use_http", "p1_lifetime_secs", "p1_nonce_len", "p2_nonce_len",
    ]
    /// Keywords valid at the top level (as defaults) and inside rules.
    static let shared: Set<String> = [
        "p2_lifetime_secs", "p2_softlife_secs", "p2_idletime_secs", "p2_lifetime_kb", "p2_softlife_kb", "local_id_type", "p2_pfs", "p1_xform",
    ]
    /// Keywords valid only inside a rule.
    static let ruleOnly: Set<String> = ["label", "local_addr", "remote_addr", "local_id", "remote_id"]
    /// Global Phase 1/2 defaults someone may plausibly try inside a rule: reported as misplaced rather
    /// than taken as the end of the rule.
    static let phaseDefaults: Set<String> = ["p1_lifetime_secs", "p1_nonce_len", "p2_nonce_len"]
    static let transformKeywords: Set<String> = ["auth_method", "oakley_group", "encr_alg", "auth_alg", "p1_lifetime_secs"]

    /// Parses `text`; `file` names it in diagnostics. The model holds everything that parsed, even
    /// when there are errors (so `in.iked -c` can report them all).
    public static func parse(_ text: String, file: String) -> (configuration: IKEConfiguration, diagnostics: [ConfigDiagnostic]) {
        let (parsed, syntaxProblems) = parseGrammar(text, file: file)
        // A file that stopped at the error limit is not validated further: its model is partial.
        let problems = syntaxProblems.count > ConfigDiagnostic.limit ? syntaxProblems : syntaxProblems + IKEConfigValidator.validate(parsed)
        var sorted = problems.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }
        sorted.closeIfFull()
        return (parsed, sorted)
    }

    /// The grammar alone, without the checks that need the whole file (a fragment added to a
    /// running configuration is validated together with it).
    static func parseGrammar(_ text: String, file: String) -> (configuration: IKEConfiguration, diagnostics: [ConfigDiagnostic]) {
        let lexer = Lexer(text: text, file: file, comments: .hashOrDoubleSlash)
        var parser = IKEConfigParser(stream: TokenStream(lexer), diagnostics: [])
        parser.parseFile()
        return (parser.configuration, ConfigDiagnostic.merged(parser.stream.lexerDiagnostics, parser.diagnostics))
    }

    /// Parses and validates, throwing all problems at once.
    public static func load(_ text: String, file: String) throws(ConfigError) -> IKEConfiguration {
        let result = parse(text, file: file)
        guard result.diagnostics.isEmpty else { throw ConfigError(result.diagnostics) }
        return result.configuration
    }

    private mutating func error(_ location: SourceLocation, _ message: String) {
        // Past the limit errors are not kept (a token-dense hostile file would otherwise cost a
        // diagnostic per token); parseFile stops at the next top-level item.
        guard !diagnostics.isFull else { return }
        diagnostics.append(ConfigDiagnostic(location, message))
    }

    // MARK: Top level

    private mutating func parseFile() {
        defer { diagnostics.closeIfFull() }
        while !diagnostics.isFull, let token = stream.peek {
            switch token.kind {
            case .openBrace:
                parseRule()
            case .word where token.text == "p1_xform":
                configuration.globals.keywordLocations["p1_xform"] = configuration.globals.keywordLocations["p1_xform"] ?? token.location
                if let transform = parseTransform() { configuration.defaultTransforms.append(transform) }
            case .word where Self.globalOnly.contains(token.text) || Self.shared.contains(token.text):
                _ = stream.next()
                parseGlobal(token)
            case .word where Self.ruleOnly.contains(token.text):
                _ = stream.next()
                error(token.location, "'\(token.text)' is only valid inside a rule { … }")
                skipValue()
            case .closeBrace:
                _ = stream.next()
                error(token.location, "'}' without a rule to close")
            default:
                _ = stream.next()
                error(token.location, "unknown keyword '\(token.text)'")
            }
        }
    }

    private mutating func parseGlobal(_ keyword: Token) {
        var globals = configuration.globals
        globals.keywordLocations[keyword.text] = globals.keywordLocations[keyword.text] ?? keyword.location
        switch keyword.text {
        case "cert_root", "cert_trust":
            if let selector = certificateSelector(after: keyword) {
                if keyword.text == "cert_root" { globals.certificateRoots.append(selector) } else { globals.certificateTrust.append(selector) }
            }
        case "expire_timer": setOnce(&globals.expireTimer, number(after: keyword), keyword)
        case "dpd_interval": setOnce(&globals.dpdInterval, number(after: keyword), keyword)
        case "dpd_retries": setOnce(&globals.dpdRetries, number(after: keyword), keyword)
        case "nat_keepalive": setOnce(&globals.natKeepalive, number(after: keyword), keyword)
        case "ignore_crls": globals.ignoreCRLs = true
        case "use_http": globals.useHTTP = true
        case "ldap_server":
            if let list = string(after: keyword) {
                let servers = list.split(separator: ",").map { $0.trimmingSpaces }
                if servers.isEmpty || servers.contains(where: \.isEmpty) {
                    error(keyword.location, "ldap_server needs a comma-separated list of host[:port]")
                } else {
                    globals.ldapServers += servers
                }
            }
        case "pkcs11_path": setOnce(&globals.pkcs11Path, string(after: keyword), keyword)
        case "proxy": setOnce(&globals.proxy, string(after: keyword), keyword)
        case "socks": setOnce(&globals.socks, string(after: keyword), keyword)
        case "retry_limit": setOnce(&globals.retryLimit, number(after: keyword), keyword)
        case "retry_timer_init": setOnce(&globals.retryTimerInitial, decimal(after: keyword), keyword)
        case "retry_timer_max": setOnce(&globals.retryTimerMaximum, decimal(after: keyword), keyword)
        case "p1_lifetime_secs": setOnce(&globals.phase1LifetimeSeconds, number(after: keyword), keyword)
        case "p1_nonce_len": setOnce(&globals.phase1NonceLength, number(after: keyword), keyword)
        case "p2_nonce_len": setOnce(&globals.phase2NonceLength, number(after: keyword), keyword)
        case "local_id_type": setOnce(&globals.localIDType, identityType(after: keyword), keyword)
        default:
            var phase2 = globals.phase2
            parsePhase2(keyword, into: &phase2)
            globals.phase2 = phase2
        }
        configuration.globals = globals
    }

    /// The `p2_*` settings shared by the top level and rules.
    private mutating func parsePhase2(_ keyword: Token, into settings: inout Phase2Settings) {
        switch keyword.text {
        case "p2_pfs":
            guard let value = number(after: keyword) else { return }
            let group = DHGroup(rawValue: UInt16(clamping: value))
            if value != 0, !DHGroup.configurable.contains(group) || value > UInt32(UInt16.max) {
                error(keyword.location, "p2_pfs \(value) is not 0 or an Oakley group (1-5, 14-26)")
                return
            }
            setOnce(&settings.pfsGroup, group, keyword)
        case "p2_lifetime_secs": setOnce(&settings.lifetimeSeconds, number(after: keyword), keyword)
        case "p2_softlife_secs": setOnce(&settings.softLifetimeSeconds, number(after: keyword), keyword)
        case "p2_idletime_secs": setOnce(&settings.idleTimeSeconds, number(after: keyword), keyword)
        case "p2_lifetime_kb": setOnce(&settings.lifetimeKilobytes, number(after: keyword), keyword)
        case "p2_softlife_kb": setOnce(&settings.softLifetimeKilobytes, number(after: keyword), keyword)
        default: preconditionFailure("not a phase 2 keyword: \(keyword.text)")
        }
    }

    private mutating func setOnce<T>(_ slot: inout T?, _ value: T?, _ keyword: Token) {
        guard let value else { return }
        if slot != nil {
            error(keyword.location, "'\(keyword.text)' is given more than once")
            return
        }
        slot = value
    }

    // MARK: Rules

    private mutating func parseRule() {
        guard let open = stream.next() else { return }
        var rule = IKERule(label: "", localAddresses: [], remoteAddresses: [], location: open.location)
        var labelSeen = false
        func name(_ labelSeen: Bool) -> String { labelSeen ? "rule \"\(rule.label)\"" : "the rule" }
        while true {
            guard let token = stream.peek else {
                error(stream.end, "expected '}' to close \(name(labelSeen)) opened at \(open.location.lineAndColumn)")
                break
            }
            if token.kind == .closeBrace {
                _ = stream.next()
                break
            }
            if token.kind == .openBrace || (token.kind == .word && Self.globalOnly.contains(token.text) && !Self.phaseDefaults.contains(token.text)) {
                // A new rule, or a global keyword: the '}' of this rule is missing. Close it here.
                error(token.location, "expected '}' to close \(name(labelSeen)) opened at \(open.location.lineAndColumn)")
                break
            }
            guard token.kind == .word else {
                _ = stream.next()
                error(token.location, "unexpected '\(token.text)' in \(name(labelSeen))")
                continue
            }
            rule.keywordLocations[token.text] = rule.keywordLocations[token.text] ?? token.location
            switch token.text {
            case "p1_xform":
                if let transform = parseTransform() { rule.transforms.append(transform) }
                continue
            case "label":
                _ = stream.next()
                if let label = string(after: token) {
                    if labelSeen { error(token.location, "'label' is given more than once in \(name(labelSeen))") } else {
                        rule.label = label
                        labelSeen = true
                    }
                }
            case "local_addr", "remote_addr":
                _ = stream.next()
                if let address = address(after: token) {
                    if token.text == "local_addr" { rule.localAddresses.append(address) } else { rule.remoteAddresses.append(address) }
                }
            case "local_id_type":
                _ = stream.next()
                setOnce(&rule.localIDType, identityType(after: token), token)
            case "local_id":
                _ = stream.next()
                // ike.config(5): the first local_id is the one used.
                if let selector = certificateSelector(after: token), rule.localID == nil { rule.localID = selector }
            case "remote_id":
                _ = stream.next()
                if let selector = certificateSelector(after: token) { rule.remoteIDs.append(selector) }
            case "p2_pfs", "p2_lifetime_secs", "p2_softlife_secs", "p2_idletime_secs", "p2_lifetime_kb", "p2_softlife_kb":
                _ = stream.next()
                parsePhase2(token, into: &rule.phase2)
            case "p1_lifetime_secs", "p1_nonce_len", "p2_nonce_len":
                _ = stream.next()
                error(token.location, "'\(token.text)' is a global parameter, not valid inside \(name(labelSeen))")
                skipValue()
            default:
                _ = stream.next()
                error(token.location, "unknown keyword '\(token.text)' in \(name(labelSeen))")
                skipValue()
            }
        }
        if !labelSeen { rule.label = "" }
        configuration.rules.append(rule)
    }

    // MARK: Transforms

    private mutating func parseTransform() -> Phase1Transform? {
        guard let keyword = stream.next() else { return nil }
        guard let open = stream.peek, open.kind == .openBrace else {
            error(stream.location, "expected '{' after p1_xform")
            return nil
        }
        _ = stream.next()
        var method: AuthenticationMethod?, group: DHGroup?, encryption: EncryptionAlgorithm?, keyBits: ClosedRange<Int>?
        var hash: HashAlgorithm?, lifetime: UInt32?
        var seen: Set<String> = []
        var complete = true
        while true {
            guard let token = stream.peek else {
                error(stream.end, "expected '}' to close p1_xform opened at \(open.location.lineAndColumn)")
                complete = false
                break
            }
            if token.kind == .closeBrace {
                _ = stream.next()
                break
            }
            guard token.kind == .word, Self.transformKeywords.contains(token.text) else {
                if token.kind == .openBrace || (token.kind == .word && (Self.globalOnly.contains(token.text) || Self.shared.contains(token.text) || Self.ruleOnly.contains(token.text))) {
                    error(token.location, "expected '}' to close p1_xform opened at \(open.location.lineAndColumn)")
                    complete = false
                    break
                }
                _ = stream.next()
                error(token.location, "unknown p1_xform field '\(token.text)' (auth_method, oakley_group, encr_alg, auth_alg, p1_lifetime_secs)")
                skipValue()
                continue
            }
            _ = stream.next()
            if seen.contains(token.text) {
                error(token.location, "'\(token.text)' is given more than once in p1_xform")
                skipValue()
                continue
            }
            seen.insert(token.text)
            switch token.text {
            case "auth_method":
                guard let word = word(after: token) else { continue }
                method = AuthenticationMethod.configNames[word.text]
                if method == nil { error(word.location, "unknown auth_method '\(word.text)' (preshared, rsa_sig, rsa_encrypt, dss_sig)") }
            case "oakley_group":
                guard let value = number(after: token) else { continue }
                let candidate = DHGroup(rawValue: UInt16(clamping: value))
                if value > UInt32(UInt16.max) || !DHGroup.configurable.contains(candidate) {
                    error(token.location, "oakley_group \(value) is not an Oakley group (1-5, 14-26)")
                } else if candidate.kind == .ec2n {
                    error(token.location, "oakley_group \(value) (\(candidate)) is an EC2N group, which this implementation does not provide")
                } else {
                    group = candidate
                }
            case "encr_alg":
                guard let word = word(after: token) else { continue }
                encryption = EncryptionAlgorithm.configNames[word.text]
                if encryption == nil { error(word.location, "unknown encr_alg '\(word.text)' (des, 3des, blowfish, aes, with or without -cbc)") }
                if stream.peek?.kind == .openParen {
                    keyBits = keySizeRange(for: encryption)
                }
            case "auth_alg":
                guard let word = word(after: token) else { continue }
                hash = HashAlgorithm.configNames[word.text]
                if hash == nil { error(word.location, "unknown auth_alg '\(word.text)' (md5, sha, sha1, sha256, sha384, sha512)") }
            default:
                lifetime = number(after: token)
            }
        }
        var missing: [String] = []
        if !seen.contains("auth_method") { missing.append("auth_method") }
        if !seen.contains("oakley_group") { missing.append("oakley_group") }
        if !seen.contains("encr_alg") { missing.append("encr_alg") }
        if !seen.contains("auth_alg") { missing.append("auth_alg") }
        if !missing.isEmpty, complete || seen.isEmpty == false {
            error(keyword.location, "p1_xform is missing \(missing.joined(separator: ", "))")
        }
        guard let method, let group, let encryption, let hash else { return nil }
        return Phase1Transform(authenticationMethod: method, group: group, encryption: encryption, keyBits: keyBits, hash: hash, lifetimeSeconds: lifetime, location: keyword.location)
    }

    /// `( n )`, `( lo .. hi )`, with or without blanks, after an encr_alg.
    private mutating func keySizeRange(for algorithm: EncryptionAlgorithm?) -> ClosedRange<Int>? {
        guard let open = stream.next() else { return nil }
        var text = ""
        while let token = stream.peek, token.kind == .word {
            text += token.text
            _ = stream.next()
        }
        guard stream.peek?.kind == .closeParen else {
            error(stream.location, "expected ')' to close the key size opened at \(open.location.lineAndColumn)")
            return nil
        }
        _ = stream.next()
        guard algorithm == .aesCBC else {
            if algorithm != nil { error(open.location, "only aes takes a key size") }
            return nil
        }
        let bounds = text.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
        let values = bounds.compactMap { CNumber.integer($0) }.map(Int.init)
        let shapeOK = (bounds.count == 1 && !text.contains("..")) || (bounds.count == 2 && text.contains(".."))
        guard shapeOK, values.count == bounds.count, let low = values.first, let high = values.last else {
            error(open.location, "key size '\(text)' is not 'n' or 'low..high'")
            return nil
        }
        let sizes: Set<Int> = [128, 192, 256]
        guard sizes.contains(low), sizes.contains(high), low <= high else {
            error(open.location, "AES key sizes are 128, 192 and 256 bits, low before high; found '\(text)'")
            return nil
        }
        return low...high
    }

    // MARK: Values

    /// Skips a keyword's value after an error, but never a brace or a known keyword.
    private mutating func skipValue() {
        guard let token = stream.peek, token.kind == .word || token.kind == .string else { return }
        if token.kind == .word, isKeyword(token.text) { return }
        _ = stream.next()
    }

    private func isKeyword(_ text: String) -> Bool {
        Self.globalOnly.contains(text) || Self.shared.contains(text) || Self.ruleOnly.contains(text) || Self.transformKeywords.contains(text)
    }

    private mutating func word(after keyword: Token) -> Token? {
        guard let token = stream.peek, token.kind == .word, !isKeyword(token.text) else {
            error(stream.location, "expected a value after '\(keyword.text)', found \(describe(stream.peek))")
            return nil
        }
        return stream.next()
    }

    private mutating func number(after keyword: Token) -> UInt32? {
        guard let token = word(after: keyword) else { return nil }
        guard let value = CNumber.integer(token.text), value <= UInt64(UInt32.max) else {
            error(token.location, "expected a number after '\(keyword.text)', found '\(token.text)'")
            return nil
        }
        return UInt32(value)
    }

    private mutating func decimal(after keyword: Token) -> Double? {
        guard let token = word(after: keyword) else { return nil }
        guard let value = CNumber.decimal(token.text) else {
            error(token.location, "expected a number of seconds after '\(keyword.text)', found '\(token.text)'")
            return nil
        }
        return value
    }

    private mutating func string(after keyword: Token) -> String? {
        guard let token = stream.peek, token.kind == .string || (token.kind == .word && !isKeyword(token.text)) else {
            error(stream.location, "expected a quoted string after '\(keyword.text)', found \(describe(stream.peek))")
            return nil
        }
        return stream.next()?.text
    }

    private mutating func certificateSelector(after keyword: Token) -> CertificateSelector? {
        let location = stream.location
        guard let text = string(after: keyword) else { return nil }
        switch CertificateSelector.parse(text) {
        case .success(let selector): return selector
        case .failure(let failure):
            error(location, failure.message)
            return nil
        }
    }

    private mutating func identityType(after keyword: Token) -> IdentityType? {
        guard let token = word(after: keyword) else { return nil }
        guard let type = IdentityType(spelling: token.text) else {
            error(token.location, "unknown identity type '\(token.text)' (ip, ipv4, ipv6, ipv4_prefix, ipv6_prefix, ipv4_range, ipv6_range, dns, fqdn, dn, gn, mbox, user_fqdn)")
            return nil
        }
        return type
    }

    /// An address token; blanks may surround `/` and `-` (ike.config(5)).
    private mutating func address(after keyword: Token) -> AddressSpec? {
        guard let first = word(after: keyword) else { return nil }
        var text = first.text
        while let next = stream.peek, next.kind == .word, !isKeyword(next.text),
              text.hasSuffix("/") || text.hasSuffix("-") || next.text.hasPrefix("/") || next.text.hasPrefix("-") {
            text += next.text
            _ = stream.next()
        }
        switch AddressSpec.parse(text) {
        case .success(let address): return address
        case .failure(let failure):
            error(first.location, failure.message)
            return nil
        }
    }

    private func describe(_ token: Token?) -> String {
        guard let token else { return "end of file" }
        return token.kind == .string ? "\"\(token.text)\"" : "'\(token.text)'"
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
