import IPsecTypes

/// Reads /etc/inet/ipsecinit.conf (ipsecconf(8)) into policy entries; installing them is the kernel
/// port's job.
public enum IPsecPolicyParser {
    static let protocols: [String: UInt8] = [
        "icmp": 1, "igmp": 2, "ipip": 4, "ipencap": 4, "tcp": 6, "udp": 17, "ipv6": 41, "gre": 47, "esp": 50, "ah": 51,
        "icmp6": 58, "ipv6-icmp": 58, "sctp": 132,
    ]
    static let encryptionNames: [String: String] = [
        "any": "any", "des": "des", "des-cbc": "des", "3des": "3des", "3des-cbc": "3des", "blowfish": "blowfish",
        "blowfish-cbc": "blowfish", "aes": "aes", "aes-cbc": "aes", "null": "null",
    ]
    static let authenticationNames: [String: String] = [
        "any": "any", "md5": "md5", "hmac-md5": "md5", "sha": "sha1", "sha1": "sha1", "hmac-sha": "sha1", "hmac-sha1": "sha1",
        "sha256": "sha256", "hmac-sha256": "sha256", "sha384": "sha384", "hmac-sha384": "sha384", "sha512": "sha512", "hmac-sha512": "sha512",
    ]

    public static func parse(_ text: String, file: String) -> (entries: [PolicyEntry], diagnostics: [ConfigDiagnostic]) {
        let lexer = Lexer(text: text, file: file, comments: .hash)
        var stream = TokenStream(lexer)
        var diagnostics: [ConfigDiagnostic] = []
        var entries: [PolicyEntry] = []
        while !diagnostics.isFull, let token = stream.peek {
            guard token.kind == .openBrace else {
                _ = stream.next()
                diagnostics.report(ConfigDiagnostic(token.location, "expected '{' to start a policy entry, found '\(token.text)'"))
                continue
            }
            if let entry = parseEntry(&stream, &diagnostics) { entries.append(entry) }
        }
        diagnostics = ConfigDiagnostic.merged(stream.lexerDiagnostics, diagnostics)
        diagnostics.closeIfFull()
        return (entries, diagnostics)
    }

    public static func load(_ text: String, file: String) throws(ConfigError) -> [PolicyEntry] {
        let result = parse(text, file: file)
        guard result.diagnostics.isEmpty else { throw ConfigError(result.diagnostics) }
        return result.entries
    }

    /// The most `key value` pairs one pattern or property list may have (ipsecinit.conf(5) defines
    /// fewer than 30 keys).
    static let maximumPairs = 64

    /// `key value` pairs up to the closing brace.
    private static func pairs(_ stream: inout TokenStream, _ diagnostics: inout [ConfigDiagnostic], what: String) -> [(Token, Token)]? {
        guard let open = stream.next(), open.kind == .openBrace else { return nil }
        var result: [(Token, Token)] = []
        while let token = stream.peek {
            if token.kind == .closeBrace {
                _ = stream.next()
                return result
            }
            if token.kind == .openBrace {
                diagnostics.report(ConfigDiagnostic(token.location, "expected '}' to close the \(what) opened at \(open.location.lineAndColumn)"))
                return nil
            }
            _ = stream.next()
            guard token.kind == .word else {
                diagnostics.report(ConfigDiagnostic(token.location, "unexpected '\(token.text)' in the \(what)"))
                continue
            }
            if stream.peek?.kind == .openBrace {
                diagnostics.report(ConfigDiagnostic(stream.location, "expected '}' to close the \(what) opened at \(open.location.lineAndColumn)"))
                return nil
            }
            guard var value = stream.peek, value.kind == .word || value.kind == .string else {
                diagnostics.report(ConfigDiagnostic(stream.location, "expected a value after '\(token.text)'"))
                continue
            }
            _ = stream.next()
            // Algorithm key lengths: name ( range ), blanks allowed.
            if stream.peek?.kind == .openParen {
                var text = value.text
                while let part = stream.next() {
                    text += part.text
                    if part.kind == .closeParen || part.kind == .closeBrace || part.kind == .openBrace { break }
                }
                value = Token(kind: .word, text: text, location: value.location)
            }
            result.append((token, value))
            guard result.count <= Self.maximumPairs else {
                // No pattern or property list has this many keys: the rest is skipped, not collected.
                diagnostics.report(ConfigDiagnostic(token.location, "more than \(Self.maximumPairs) keys in the \(what) opened at \(open.location.lineAndColumn)"))
                while let skipped = stream.next(), skipped.kind != .closeBrace {}
                return nil
            }
        }
        diagnostics.report(ConfigDiagnostic(stream.end, "expected '}' to close the \(what) opened at \(open.location.lineAndColumn)"))
        return nil
    }

    private static func parseEntry(_ stream: inout TokenStream, _ diagnostics: inout [ConfigDiagnostic]) -> PolicyEntry? {
        let start = stream.location
        let before = diagnostics.count
        guard let patternPairs = pairs(&stream, &diagnostics, what: "pattern") else { return nil }
        let pattern = buildPattern(patternPairs, &diagnostics)
        var actions: [PolicyAction] = []
        repeat {
            guard let word = stream.peek, word.kind == .word, let kind = PolicyActionKind(rawValue: word.text) else {
                diagnostics.report(ConfigDiagnostic(stream.location, "expected an action (apply, permit, ipsec, bypass, pass, drop) after the pattern"))
                return nil
            }
            _ = stream.next()
            guard stream.peek?.kind == .openBrace else {
                diagnostics.report(ConfigDiagnostic(stream.location, "expected '{' with the properties of '\(word.text)' ({} when there are none)"))
                return nil
            }
            guard let propertyPairs = pairs(&stream, &diagnostics, what: "properties") else { return nil }
            actions.append(buildAction(kind, at: word.location, propertyPairs, &diagnostics))
            if stream.peek?.kind == .word, stream.peek?.text == "or" {
                _ = stream.next()
                continue
            }
            break
        } while true
        if actions.count > 1, actions.contains(where: { !$0.kind.protects }) {
            diagnostics.report(ConfigDiagnostic(start, "'or' alternatives are only for apply, permit and ipsec"))
        }
        if pattern.negotiate != nil, pattern.tunnelInterface == nil {
            diagnostics.report(ConfigDiagnostic(start, "'negotiate' needs 'tunnel <interface>' in the same pattern"))
        }
        guard diagnostics.count == before else { return nil }
        return PolicyEntry(pattern: pattern, actions: actions, location: start)
    }

    private static func buildPattern(_ pairs: [(Token, Token)], _ diagnostics: inout [ConfigDiagnostic]) -> PolicyPattern {
        var pattern = PolicyPattern()
        var seen: [String: SourceLocation] = [:]
        var localMask: AddressSpec?, remoteMask: AddressSpec?
        for (key, value) in pairs {
            let canonical: String
            switch key.text {
            case "laddr", "local", "saddr", "src", "srcaddr": canonical = "laddr"
            case "raddr", "remote", "daddr", "dst", "dstaddr": canonical = "raddr"
            case "lport", "sport": canonical = "lport"
            case "rport", "dport": canonical = "rport"
            case "ulp", "proto": canonical = "ulp"
            case "smask", "dmask", "type", "code", "tunnel", "negotiate", "dir": canonical = key.text
            default:
                diagnostics.report(ConfigDiagnostic(key.location, "unknown pattern key '\(key.text)'"))
                continue
            }
            if let first = seen[canonical] {
                diagnostics.report(ConfigDiagnostic(key.location, "'\(key.text)' repeats a pattern key given at \(first.lineAndColumn)"))
                continue
            }
            seen[canonical] = key.location
            switch canonical {
            case "laddr", "raddr", "smask", "dmask":
                switch AddressSpec.parse(value.text) {
                case .success(let spec):
                    switch canonical {
                    case "laddr": pattern.localAddress = spec
                    case "raddr": pattern.remoteAddress = spec
                    case "smask": localMask = spec
                    default: remoteMask = spec
                    }
                case .failure(let failure): diagnostics.report(ConfigDiagnostic(value.location, failure.message))
                }
            case "lport", "rport":
                guard let port = CNumber.integer(value.text), port <= 65535 else {
                    diagnostics.report(ConfigDiagnostic(value.location, "'\(value.text)' is not a port number (0-65535)"))
                    continue
                }
                if canonical == "lport" { pattern.localPort = UInt16(port) } else { pattern.remotePort = UInt16(port) }
            case "ulp":
                if let number = CNumber.integer(value.text), number <= 255 {
                    pattern.upperProtocol = UInt8(number)
                } else if let number = protocols[value.text.lowercased()] {
                    pattern.upperProtocol = number
                } else {
                    diagnostics.report(ConfigDiagnostic(value.location, "unknown protocol '\(value.text)'"))
                }
            case "type", "code":
                guard let range = byteRange(value.text) else {
                    diagnostics.report(ConfigDiagnostic(value.location, "'\(value.text)' is not an ICMP \(canonical) or range (0-255)"))
                    continue
                }
                if canonical == "type" { pattern.icmpType = range } else { pattern.icmpCode = range }
            case "tunnel": pattern.tunnelInterface = value.text
            case "negotiate":
                pattern.negotiate = PolicyNegotiation(rawValue: value.text)
                if pattern.negotiate == nil { diagnostics.report(ConfigDiagnostic(value.location, "negotiate takes tunnel or transport")) }
            default:
                pattern.direction = PolicyDirection(rawValue: value.text)
                if pattern.direction == nil { diagnostics.report(ConfigDiagnostic(value.location, "dir takes in, out or both")) }
            }
        }
        pattern.localAddress = applying(localMask, to: pattern.localAddress, key: "smask", seen, &diagnostics)
        pattern.remoteAddress = applying(remoteMask, to: pattern.remoteAddress, key: "dmask", seen, &diagnostics)
        if (pattern.localPort != nil || pattern.remotePort != nil), let ulp = pattern.upperProtocol, ![6, 17, 132].contains(ulp) {
            diagnostics.report(ConfigDiagnostic(seen["lport"] ?? seen["rport"] ?? .builtIn, "ports need ulp tcp, udp or sctp"))
        }
        if pattern.icmpType != nil || pattern.icmpCode != nil, ![1, 58].contains(pattern.upperProtocol ?? 0) {
            diagnostics.report(ConfigDiagnostic(seen["type"] ?? seen["code"] ?? .builtIn, "type and code need ulp icmp or ipv6-icmp"))
        }
        if let local = pattern.localAddress, let remote = pattern.remoteAddress, local.isIPv4 != remote.isIPv4 {
            diagnostics.report(ConfigDiagnostic(seen["raddr"] ?? .builtIn, "local and remote addresses are of different families"))
        }
        return pattern
    }

    /// `saddr a smask m` is the prefix a/m.
    private static func applying(_ mask: AddressSpec?, to address: AddressSpec?, key: String, _ seen: [String: SourceLocation], _ diagnostics: inout [ConfigDiagnostic]) -> AddressSpec? {
        guard let mask else { return address }
        guard case .single(let maskAddress)? = Optional(mask), case .single(let base)? = address, base.isIPv4 == maskAddress.isIPv4,
              let length = maskAddress.prefixLength
        else {
            diagnostics.report(ConfigDiagnostic(seen[key] ?? .builtIn, "\(key) needs a single address to mask and a contiguous netmask"))
            return address
        }
        return .prefix(base, length: length)
    }

    private static func byteRange(_ text: String) -> ClosedRange<UInt8>? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let values = parts.compactMap { CNumber.integer($0) }
        guard (1...2).contains(parts.count), values.count == parts.count, values.allSatisfy({ $0 <= 255 }),
              let low = values.first, let high = values.last, low <= high
        else { return nil }
        return UInt8(low)...UInt8(high)
    }

    private static func buildAction(_ kind: PolicyActionKind, at location: SourceLocation, _ pairs: [(Token, Token)], _ diagnostics: inout [ConfigDiagnostic]) -> PolicyAction {
        var action = PolicyAction(kind: kind)
        for (key, value) in pairs {
            switch key.text {
            case "auth_algs", "encr_algs", "encr_auth_algs":
                guard kind.protects else {
                    diagnostics.report(ConfigDiagnostic(key.location, "'\(kind.rawValue)' takes no algorithms"))
                    continue
                }
                let table = key.text == "encr_algs" ? encryptionNames : authenticationNames
                for item in value.text.split(separator: ",") {
                    guard let choice = algorithm(String(item), table, at: value.location, &diagnostics) else { continue }
                    switch key.text {
                    case "auth_algs": action.authAlgorithms.append(choice)
                    case "encr_algs": action.encryptionAlgorithms.append(choice)
                    default: action.encryptionAuthAlgorithms.append(choice)
                    }
                }
            case "sa":
                guard value.text == "shared" || value.text == "unique" else {
                    diagnostics.report(ConfigDiagnostic(value.location, "sa takes shared or unique"))
                    continue
                }
                action.uniqueSA = value.text == "unique"
            case "dir":
                action.direction = PolicyDirection(rawValue: value.text)
                if action.direction == nil { diagnostics.report(ConfigDiagnostic(value.location, "dir takes in, out or both")) }
            default:
                diagnostics.report(ConfigDiagnostic(key.location, "unknown property '\(key.text)' (auth_algs, encr_algs, encr_auth_algs, sa, dir)"))
            }
        }
        if kind.protects, action.authAlgorithms.isEmpty, action.encryptionAlgorithms.isEmpty, action.encryptionAuthAlgorithms.isEmpty {
            diagnostics.report(ConfigDiagnostic(location, "'\(kind.rawValue)' needs auth_algs, encr_algs or encr_auth_algs"))
        }
        if !action.encryptionAuthAlgorithms.isEmpty, action.encryptionAlgorithms.isEmpty {
            action.encryptionAlgorithms = [AlgorithmChoice(name: "any")]
        }
        return action
    }

    /// `name`, `name(n)`, `name(n..)`, `name(..n)`, `name(n..m)`, or a number 1-255.
    private static func algorithm(_ text: String, _ table: [String: String], at location: SourceLocation, _ diagnostics: inout [ConfigDiagnostic]) -> AlgorithmChoice? {
        var name = Substring(text)
        var low: Int?, high: Int?
        if let open = name.firstIndex(of: "(") {
            guard name.hasSuffix(")") else {
                diagnostics.report(ConfigDiagnostic(location, "key length in '\(text)' is missing ')'"))
                return nil
            }
            let inside = String(name[name.index(after: open)..<name.index(before: name.endIndex)])
            name = name[..<open]
            let bounds = inside.components(separatedByDots: ())
            switch bounds {
            case .single(let value): low = value; high = value
            case .range(let a, let b): low = a; high = b
            case .invalid:
                diagnostics.report(ConfigDiagnostic(location, "key length '\(inside)' is not n, n.., ..n or n..m"))
                return nil
            }
            if let low, let high, low > high {
                diagnostics.report(ConfigDiagnostic(location, "key length range '\(inside)' ends before it starts"))
                return nil
            }
        }
        let lower = name.lowercased()
        if let canonical = table[lower] {
            return AlgorithmChoice(name: canonical, minimumKeyBits: low, maximumKeyBits: high)
        }
        if let number = CNumber.integer(lower), (1...255).contains(number) {
            return AlgorithmChoice(name: String(number), minimumKeyBits: low, maximumKeyBits: high)
        }
        diagnostics.report(ConfigDiagnostic(location, "unknown algorithm '\(name)'"))
        return nil
    }
}

private enum KeyLengthBounds {
    case single(Int)
    case range(Int?, Int?)
    case invalid
}

extension String {
    fileprivate func components(separatedByDots: Void) -> KeyLengthBounds {
        guard let dots = range(of: "..") else {
            return CNumber.integer(self).map { .single(Int($0)) } ?? .invalid
        }
        let first = String(self[..<dots.lowerBound]), second = String(self[dots.upperBound...])
        let low = first.isEmpty ? nil : CNumber.integer(first).map(Int.init)
        let high = second.isEmpty ? nil : CNumber.integer(second).map(Int.init)
        if (!first.isEmpty && low == nil) || (!second.isEmpty && high == nil) || (first.isEmpty && second.isEmpty) { return .invalid }
        return .range(low, high)
    }

    private func range(of needle: String) -> Range<String.Index>? {
        var index = startIndex
        while index < endIndex {
            if self[index...].hasPrefix(needle) { return index..<self.index(index, offsetBy: needle.count) }
            index = self.index(after: index)
        }
        return nil
    }
}
