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

    /// Inputs larger than this are refused whole rather than tokenised: no legitimate file comes close
    /// (a 10,000-rule ike.config is about 1 MiB; 100,000 ike.preshared entries about 8 MiB), and it
    /// bounds the memory a hostile file can make us use (tokens cost about 25 bytes per input byte
    /// at the densest).
    static let maximumInput = 16 << 20

    private(set) var diagnostics: [ConfigDiagnostic] = []

    /// How a backslash inside a quoted string is read.
    enum EscapeStyle: Sendable {
        /// ike.config(5): a backslash takes the next character literally.
        case anyCharacter
        /// ike.preshared(5) (Solaris 11): only `\"` and `\\` are escapes; other backslashes are literal.
        case quoteAndBackslashOnly
    }

    private let bytes: [UInt8]
    private let file: String
    private let comments: CommentStyle
    private let escapes: EscapeStyle
    private var index = 0
    private var line = 1
    private var lineStart = 0

    /// Tokens are made one at a time as the parser asks (`next()`): memory stays a small constant per
    /// input byte however dense the file, since a token is dropped once the parser has moved on.
    init(text: String, file: String, comments: CommentStyle, escapes: EscapeStyle = .anyCharacter) {
        self.file = file
        self.comments = comments
        self.escapes = escapes
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumInput else {
            diagnostics.append(ConfigDiagnostic(SourceLocation(file: file, line: 1, column: 1), "file is larger than \(Self.maximumInput >> 20) MiB"))
            self.bytes = []
            return
        }
        self.bytes = bytes
    }

    /// Where the file ends (for "expected … at end of file").
    var endLocation: SourceLocation { location(bytes.count) }

    private func location(_ at: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: at - lineStart + 1) }

    private func isSpecial(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\""): true
        default: false
        }
    }

    private func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A || byte == 0x0B || byte == 0x0C }

    private func startsComment(_ at: Int) -> Bool {
        let byte = bytes[at]
        switch comments {
        case .hash: return byte == UInt8(ascii: "#")
        case .hashInFirstColumn: return byte == UInt8(ascii: "#") && at == lineStart
        case .hashOrDoubleSlash:
            return byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && at + 1 < bytes.count && bytes[at + 1] == UInt8(ascii: "/"))
        }
    }

    private mutating func problem(_ location: SourceLocation, _ message: String) {
        if !diagnostics.isFull { diagnostics.append(ConfigDiagnostic(location, message)) }
    }

    /// The next token, or nil at the end of the file.
    mutating func next() -> Token? {
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
            case UInt8(ascii: "{"): index += 1; return Token(kind: .openBrace, text: "{", location: location(start))
            case UInt8(ascii: "}"): index += 1; return Token(kind: .closeBrace, text: "}", location: location(start))
            case UInt8(ascii: "("): index += 1; return Token(kind: .openParen, text: "(", location: location(start))
            case UInt8(ascii: ")"): index += 1; return Token(kind: .closeParen, text: ")", location: location(start))
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
                if !closed { problem(opened, "unterminated quoted string") }
                return Token(kind: .string, text: String(decoding: value, as: UTF8.self), location: opened)
            default:
                while index < bytes.count, !isSpace(bytes[index]), !isSpecial(bytes[index]), !startsComment(index) { index += 1 }
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                if bytes[start..<index].contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                    problem(location(start), "control character in '\(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : String($0) }.joined())'")
                }
                return Token(kind: .word, text: text, location: location(start))
            }
        }
        return nil
    }
}

/// The parser's view of the tokens: a lexer pulled on demand behind a lookahead of a few tokens.
struct TokenStream {
    private var lexer: Lexer
    private var lookahead: [Token] = []

    init(_ lexer: Lexer) { self.lexer = lexer }

    /// What the lexer found wrong so far (all of it once the stream is at its end).
    var lexerDiagnostics: [ConfigDiagnostic] { lexer.diagnostics }

    /// Makes `count` tokens available ahead (fewer at the end of the file).
    private mutating func fill(_ count: Int) {
        while lookahead.count < count, let token = lexer.next() { lookahead.append(token) }
    }

    var isAtEnd: Bool {
        mutating get {
            fill(1)
            return lookahead.isEmpty
        }
    }

    var peek: Token? {
        mutating get {
            fill(1)
            return lookahead.first
        }
    }

    mutating func peek(ahead offset: Int) -> Token? {
        fill(offset + 1)
        return offset < lookahead.count ? lookahead[offset] : nil
    }

    /// Where the next token is, or the end of the file.
    var location: SourceLocation {
        mutating get { peek?.location ?? lexer.endLocation }
    }

    /// Where the file ends.
    var end: SourceLocation { lexer.endLocation }

    mutating func next() -> Token? {
        fill(1)
        return lookahead.isEmpty ? nil : lookahead.removeFirst()
    }
}
