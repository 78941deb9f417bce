/// One token of a configuration file.
struct Token: Equatable, Sendable {
    enum Kind: Equatable, Sendable {
        /// A run of ordinary characters: keywords, numbers, addresses, bare values.
        case word
        /// A double-quoted string, escapes resolved.
        case string
        case openBrace, closeBrace, openParen, closeParen
    }

    var kind: Kind
    var text: String
    var location: SourceLocation
}

/// Splits a configuration file into tokens.
///
/// The three Solaris files share a shape (words, quoted strings, braces) and differ in comments:
/// ike.config takes `#` and `//` anywhere; ike.preshared only `#` in the first column; ipsecinit.conf `#`
/// anywhere. A backslash before a newline is whitespace (the man page's example continues lines that way).
/// Problems (an unterminated string, a control character) become diagnostics and lexing goes on.
struct Lexer {
    enum CommentStyle: Sendable {
        case hashOrDoubleSlash
        case hashInFirstColumn
        case hash
    }

    /// Inputs larger than this are refused whole rather than tokenised: no legitimate file comes close,
    /// and it bounds the memory a hostile file can make us use.
    static let maximumInput = 64 << 20

    private(set) var tokens: [Token] = []
    private(set) var diagnostics: [ConfigDiagnostic] = []

    /// How a backslash inside a quoted string is read.
    enum EscapeStyle: Sendable {
        /// ike.config(5): a backslash takes the next character literally.
        case anyCharacter
        /// ike.preshared(5) (Solaris 11): only `\"` and `\\` are escapes; other backslashes are literal.
        case quoteAndBackslashOnly
    }

    init(text: String, file: String, comments: CommentStyle, escapes: EscapeStyle = .anyCharacter) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumInput else {
            diagnostics.append(ConfigDiagnostic(SourceLocation(file: file, line: 1, column: 1), "file is larger than \(Self.maximumInput >> 20) MiB"))
            return
        }
        var index = 0
        var line = 1
        var lineStart = 0
        func location(_ at: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: at - lineStart + 1) }
        func isSpecial(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""): true
            default: false
            }
        }
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A || byte == 0x0B || byte == 0x0C }
        func startsComment(_ at: Int) -> Bool {
            let byte = bytes[at]
            switch comments {
            case .hash: return byte == UInt8(ascii: "#")
            case .hashInFirstColumn: return byte == UInt8(ascii: "#") && at == lineStart
            case .hashOrDoubleSlash:
                return byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && at + 1 < bytes.count && bytes[at + 1] == UInt8(ascii: "/"))
            }
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                index += 1
                line += 1
                lineStart = index
                continue
            }
            if isSpace(byte) {
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == 0x0A || (bytes[index + 1] == 0x0D && index + 2 < bytes.count && bytes[index + 2] == 0x0A) {
                index += 1 // the newline itself is counted on the next pass
                continue
            }
            if startsComment(index) {
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
                continue
            }
            let start = index
            switch byte {
            case UInt8(ascii: "{"): tokens.append(Token(kind: .openBrace, text: "{", location: location(start))); index += 1
            case UInt8(ascii: "}"): tokens.append(Token(kind: .closeBrace, text: "}", location: location(start))); index += 1
            case UInt8(ascii: "("): tokens.append(Token(kind: .openParen, text: "(", location: location(start))); index += 1
            case UInt8(ascii: ")"): tokens.append(Token(kind: .closeParen, text: ")", location: location(start))); index += 1
            case UInt8(ascii: "\""):
                let opened = location(start)
                index += 1
                var value: [UInt8] = []
                var closed = false
                while index < bytes.count {
                    let current = bytes[index]
                    if current == UInt8(ascii: "\"") { closed = true; index += 1; break }
                    if current == 0x0A { break }
                    if current == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] != 0x0A,
                       escapes == .anyCharacter || bytes[index + 1] == UInt8(ascii: "\"") || bytes[index + 1] == UInt8(ascii: "\\") {
                        // A backslash takes the next character literally (ike.config(5), ike.preshared(5)).
                        value.append(bytes[index + 1])
                        index += 2
                        continue
                    }
                    value.append(current)
                    index += 1
                }
                if !closed { diagnostics.append(ConfigDiagnostic(opened, "unterminated quoted string")) }
                tokens.append(Token(kind: .string, text: String(decoding: value, as: UTF8.self), location: opened))
            default:
                while index < bytes.count, !isSpace(bytes[index]), !isSpecial(bytes[index]), !startsComment(index) { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                if bytes[start..<index].contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                    diagnostics.append(ConfigDiagnostic(location(start), "control character in '\(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined())'"))
                }
                tokens.append(Token(kind: .word, text: text, location: location(start)))
            }
        }
        endLocation = location(index)
    }

    /// Where the file ends (for "expected … at end of file").
    private(set) var endLocation = SourceLocation(file: "", line: 1, column: 1)
}

/// A cursor over tokens with the helpers every parser here needs.
struct TokenStream {
    let tokens: [Token]
    let end: SourceLocation
    private(set) var index = 0

    init(_ lexer: Lexer) {
        tokens = lexer.tokens
        end = lexer.endLocation
    }

    var isAtEnd: Bool { index >= tokens.count }
    var peek: Token? { index < tokens.count ? tokens[index] : nil }
    func peek(ahead offset: Int) -> Token? { index + offset < tokens.count ? tokens[index + offset] : nil }
    /// Where the next token is, or the end of the file.
    var location: SourceLocation { peek?.location ?? end }

    mutating func next() -> Token? {
        guard index < tokens.count else { return nil }
        defer { index += 1 }
        return tokens[index]
    }
}
