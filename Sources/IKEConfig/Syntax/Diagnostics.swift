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
