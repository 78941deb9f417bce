import Foundation
@testable import IKEConfig

enum Examples {
    static func text(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Examples") else {
            throw ConfigError([ConfigDiagnostic(.builtIn, "example \(name) missing")])
        }
        return try String(contentsOf: url, encoding: .utf8)
    }
}

/// A scratch directory removed when the value goes away (also when a test fails).
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("ikeconfig-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes a file below the directory with the given mode and returns its path.
    @discardableResult
    func write(_ relative: String, _ contents: String, mode: Int = 0o644) throws -> String {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: full, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        return full
    }
}

/// Parses a snippet and returns its diagnostics as "line:column: message".
func problems(_ text: String) -> [String] {
    IKEConfigParser.parse(text, file: "t").diagnostics.map { "\($0.location.lineAndColumn): \($0.message)" }
}
