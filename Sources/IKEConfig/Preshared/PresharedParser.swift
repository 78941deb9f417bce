import IKECrypto
import IPsecTypes

/// Reads ike.preshared(5): brace blocks of `name value` pairs, the superset of the illumos, Solaris 11
/// and ikeadm grammars (`localidtype`, `localid`, `remoteidtype`, `remoteid`, `ike_mode`, `key`).
///
/// Comments are lines whose first column is `#`. Keys are hex (plain or `0x`, an odd digit count
/// left-aligned, an optional `/bits` truncation) or a quoted ASCII string; either way they go straight
/// into `SecretBytes`.
public enum PresharedParser {
    /// The identity-type spellings the Solaris parser accepts (case-insensitive).
    static let identityTypes: [String: IdentificationType] = [
        "ip": .ipv4Address, "ipv4": .ipv4Address, "ipv6": .ipv6Address,
        "prefix": .ipv4Subnet, "ipv4-prefix": .ipv4Subnet, "ipv6-prefix": .ipv6Subnet, "subnet": .ipv4Subnet,
        "subnetv4": .ipv4Subnet, "subnetv6": .ipv6Subnet,
        "fqdn": .fqdn, "dns": .fqdn, "domain": .fqdn, "domainname": .fqdn,
        "user_fqdn": .userFQDN, "mbox": .userFQDN, "mailbox": .userFQDN,
        "dn": .derASN1DN, "asn1dn": .derASN1DN, "gn": .derASN1GN, "asn1gn": .derASN1GN,
        "ipv4-range": .ipv4Range, "ipv6-range": .ipv6Range, "rangev4": .ipv4Range, "rangev6": .ipv6Range,
        "keyid": .keyID,
    ]

    /// The identity type an ike.preshared type keyword names (case-insensitive).
    public static func identityType(named name: String) -> IdentificationType? { identityTypes[name.lowercased()] }

    static let fields: Set<String> = ["localidtype", "localid", "remoteidtype", "remoteid", "ike_mode", "key"]

    public static func parse(_ text: String, file: String) -> (keys: PresharedKeys, diagnostics: [ConfigDiagnostic]) {
        let lexer = Lexer(text: text, file: file, comments: .hashInFirstColumn, escapes: .quoteAndBackslashOnly)
        var stream = TokenStream(lexer)
        var diagnostics: [ConfigDiagnostic] = []
        var keys = PresharedKeys()
        while !diagnostics.isFull, let token = stream.next() {
            guard token.kind == .openBrace else {
                diagnostics.report(ConfigDiagnostic(token.location, "expected '{' to start an entry, found '\(token.text)'"))
                continue
            }
            if let entry = parseEntry(opened: token, &stream, &diagnostics) { keys.entries.append(entry) }
        }
        diagnostics = ConfigDiagnostic.merged(stream.lexerDiagnostics, diagnostics)
        diagnostics.closeIfFull()
        return (keys, diagnostics)
    }

    public static func load(_ text: String, file: String) throws(ConfigError) -> PresharedKeys {
        let result = parse(text, file: file)
        guard result.diagnostics.isEmpty else { throw ConfigError(result.diagnostics) }
        return result.keys
    }

    private static func parseEntry(opened: Token, _ stream: inout TokenStream, _ diagnostics: inout [ConfigDiagnostic]) -> PresharedEntry? {
        var values: [String: Token] = [:]
        var closed = false
        while let token = stream.peek {
            if token.kind == .closeBrace {
                _ = stream.next()
                closed = true
                break
            }
            if token.kind == .openBrace {
                diagnostics.report(ConfigDiagnostic(token.location, "expected '}' to close the entry opened at \(opened.location.lineAndColumn)"))
                break
            }
            _ = stream.next()
            let name = token.text.lowercased()
            guard token.kind == .word, fields.contains(name) else {
                diagnostics.report(ConfigDiagnostic(token.location, "unknown field '\(token.text)' (localidtype, localid, remoteidtype, remoteid, ike_mode, key)"))
                // Skip its value too, so one mistake gives one error.
                if let value = stream.peek, value.kind == .string || (value.kind == .word && !fields.contains(value.text.lowercased())) { _ = stream.next() }
                continue
            }
            guard let value = stream.peek, value.kind == .word || value.kind == .string, !fields.contains(value.text.lowercased()) || value.kind == .string else {
                diagnostics.report(ConfigDiagnostic(stream.location, "expected a value after '\(token.text)'"))
                continue
            }
            _ = stream.next()
            if values[name] != nil {
                diagnostics.report(ConfigDiagnostic(token.location, "'\(name)' is given more than once in this entry"))
                continue
            }
            values[name] = value
        }
        if !closed, stream.isAtEnd {
            diagnostics.report(ConfigDiagnostic(stream.end, "expected '}' to close the entry opened at \(opened.location.lineAndColumn)"))
        }
        let before = diagnostics.count
        for required in ["localid", "remoteid", "key"] where values[required] == nil {
            diagnostics.report(ConfigDiagnostic(opened.location, "entry has no \(required)"))
        }
        let local = identity(type: values["localidtype"], value: values["localid"], &diagnostics)
        let remote = identity(type: values["remoteidtype"], value: values["remoteid"], &diagnostics)
        var mode: PresharedMode?
        if let token = values["ike_mode"] {
            mode = PresharedMode(rawValue: token.text.lowercased())
            if mode == nil { diagnostics.report(ConfigDiagnostic(token.location, "ike_mode '\(token.text)' is not main, aggressive or both")) }
        }
        var key: SecretBytes?
        if let token = values["key"] {
            switch parseKey(token) {
            case .success(let parsed): key = parsed
            case .failure(let failure): diagnostics.report(ConfigDiagnostic(token.location, failure.message))
            }
        }
        guard diagnostics.count == before, let local, let remote, let key else { return nil }
        return PresharedEntry(localIDType: local.type, localID: local.identity, remoteIDType: remote.type, remoteID: remote.identity, mode: mode, key: key, location: opened.location)
    }

    private static func identity(type typeToken: Token?, value: Token?, _ diagnostics: inout [ConfigDiagnostic]) -> (type: IdentificationType, identity: PresharedIdentity)? {
        guard let value else { return nil }
        var type = IdentificationType.ipv4Address
        if let typeToken {
            guard let known = identityTypes[typeToken.text.lowercased()] else {
                diagnostics.report(ConfigDiagnostic(typeToken.location, "unknown identity type '\(typeToken.text)'"))
                return nil
            }
            type = known
        }
        switch type {
        case .ipv4Address, .ipv6Address, .ipv4Subnet, .ipv6Subnet, .ipv4Range, .ipv6Range:
            switch AddressSpec.parse(value.text) {
            case .success(let spec):
                // The family follows the address; `ip` covers both (ikeadm's parser does the same).
                let family: IdentificationType
                switch spec {
                case .single: family = spec.isIPv4 ? .ipv4Address : .ipv6Address
                case .prefix: family = spec.isIPv4 ? .ipv4Subnet : .ipv6Subnet
                case .range: family = spec.isIPv4 ? .ipv4Range : .ipv6Range
                }
                return (family, .address(spec))
            case .failure(let failure):
                diagnostics.report(ConfigDiagnostic(value.location, failure.message))
                return nil
            }
        default:
            return (type, .name(type, value.text))
        }
    }

    /// A hex or quoted ASCII key.
    static func parseKey(_ token: Token) -> Result<SecretBytes, AddressSpecError> {
        if token.kind == .string {
            guard !token.text.isEmpty else { return .failure(AddressSpecError("the key is empty")) }
            return .success(SecretBytes(token.text.utf8))
        }
        var text = Substring(token.text)
        var bits: Int?
        if let slash = text.firstIndex(of: "/") {
            guard let value = CNumber.integer(String(text[text.index(after: slash)...])), value > 0, value <= 8192 else {
                return .failure(AddressSpecError("key length '\(text[slash...])' is not /bits"))
            }
            bits = Int(value)
            text = text[..<slash]
        }
        if text.hasPrefix("0x") || text.hasPrefix("0X") { text = text.dropFirst(2) }
        guard !text.isEmpty, text.allSatisfy(\.isHexDigit) else {
            return .failure(AddressSpecError("the key is neither hex digits nor a quoted string"))
        }
        let digits = Array(text.utf8)
        let available = digits.count * 4
        let keep = min(bits ?? available, available)
        if let bits, bits > available {
            return .failure(AddressSpecError("key length /\(bits) is longer than the \(available) bits of hex given"))
        }
        let byteCount = (keep + 7) / 8
        let key = SecretBytes(count: byteCount) { out in
            for index in 0..<byteCount {
                // An odd digit count is left-aligned: "123" is 0x12 0x30 (ike.preshared(5)).
                let high = hexValue(digits[2 * index])
                let low = 2 * index + 1 < digits.count ? hexValue(digits[2 * index + 1]) : 0
                out[index] = high << 4 | low
            }
            let spare = byteCount * 8 - keep
            if spare > 0 { out[byteCount - 1] &= 0xFF << UInt8(spare) }
        }
        return .success(key)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8 {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        default: digit - UInt8(ascii: "A") + 10
        }
    }
}
