/// IKEConfig reads the Solaris configuration files: `/etc/inet/ike/config` (ike.config(5)),
/// `/etc/inet/secret/ike.preshared` (ike.preshared(5)) and `/etc/inet/ipsecinit.conf` (ipsecconf(8)),
/// into typed models, reporting every error it can find with file, line and column.

/// A position in a configuration file (1-based line and column; columns count bytes).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`.
    public var description: String { "\(file):\(line):\(column)" }
    /// `line:column`, for pointing at another place in the same file.
    public var lineAndColumn: String { "\(line):\(column)" }
}

/// One problem found in a file.
public struct ConfigDiagnostic: Error, Equatable, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var message: String

    public init(_ location: SourceLocation, _ message: String) {
        self.location = location
        self.message = message
    }

    /// `file:line:column: message`, the form compilers use, so editors can jump to it.
    public var description: String { "\(location): \(message)" }

    /// Errors reported for one file at most: past them the file is not checked further (as compilers
    /// stop), so a hostile file cannot make a diagnostic per byte.
    public static let limit = 100

    /// The lexer's and the parser's problems in file order (the lexer's first at the same place).
    static func merged(_ lexer: [ConfigDiagnostic], _ parser: [ConfigDiagnostic]) -> [ConfigDiagnostic] {
        guard !lexer.isEmpty else { return parser }
        return (lexer + parser).enumerated().sorted { a, b in
            (a.element.location.line, a.element.location.column, a.offset) < (b.element.location.line, b.element.location.column, b.offset)
        }.map(\.element)
    }

    /// The note that ends a list that reached `limit`.
    static func tooMany(at location: SourceLocation) -> ConfigDiagnostic {
        ConfigDiagnostic(location, "too many errors (\(limit)); the rest of the file was not checked")
    }
}

extension Array where Element == ConfigDiagnostic {
    /// Whether the list reached `ConfigDiagnostic.limit` (it is then closed with the note).
    var isFull: Bool { count >= ConfigDiagnostic.limit }

    /// Adds a problem unless the list is full (then it is dropped: the file has enough to fix).
    mutating func report(_ diagnostic: ConfigDiagnostic) {
        if !isFull { append(diagnostic) }
    }

    /// Cuts the list at the limit and adds the note once.
    mutating func closeIfFull() {
        guard count >= ConfigDiagnostic.limit, last?.message.hasPrefix("too many errors") != true else { return }
        let location = self[ConfigDiagnostic.limit - 1].location
        removeSubrange(ConfigDiagnostic.limit...)
        append(ConfigDiagnostic.tooMany(at: location))
    }
}

/// All problems of a file; thrown when a file does not load.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var diagnostics: [ConfigDiagnostic]
    public init(_ diagnostics: [ConfigDiagnostic]) { self.diagnostics = diagnostics }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A value carried along for reporting but not part of what a model *is*: two models parsed from
/// differently laid out files are equal when they say the same thing.
@propertyWrapper
public struct NotCompared<Value: Sendable>: Equatable, Hashable, Sendable {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
    public static func == (lhs: Self, rhs: Self) -> Bool { true }
    public func hash(into hasher: inout Hasher) {}
}

extension SourceLocation {
    /// Where a model built in code (not read from a file) says it comes from.
    public static let builtIn = SourceLocation(file: "<built-in>", line: 0, column: 0)
}
