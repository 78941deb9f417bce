#if canImport(Glibc)
import Glibc
#endif

/// The policy `ipsecconf` has loaded into the kernel: file policy entries with the index `ipsecconf`
/// lists and deletes them by, kept as ipsecinit.conf text (`#INDEX n` before each entry) so in.iked
/// reads it with the same parser.
public struct ActivePolicy: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var index: Int
        public var entry: PolicyEntry
        public init(index: Int, entry: PolicyEntry) {
            self.index = index
            self.entry = entry
        }
    }

    public var items: [Item] = []

    public init(items: [Item] = []) { self.items = items }

    /// The next index to give (indices are never reused while entries remain).
    public var nextIndex: Int { (items.map(\.index).max() ?? 0) + 1 }

    /// Reads the file; a missing file is an empty policy.
    public static func read(_ path: String) throws(ConfigError) -> ActivePolicy {
        guard ConfigFileReader.exists(path) else { return ActivePolicy() }
        let text: String
        switch ConfigFileReader.read(path) {
        case .success(let contents): text = contents
        case .failure(let problem): throw ConfigError([problem])
        }
        let entries = try IPsecPolicyParser.load(text, file: path)
        let indices = text.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("#INDEX ") else { return nil }
            return Int(line.dropFirst(7).trimmingBlanks)
        }
        guard indices.count == entries.count else {
            throw ConfigError([ConfigDiagnostic(SourceLocation(file: path, line: 1, column: 1), "every entry needs an '#INDEX n' line before it")])
        }
        return ActivePolicy(items: zip(indices, entries).map { Item(index: $0, entry: $1) })
    }

    public var text: String {
        var lines = ["# Active IPsec policy, written by ipsecconf: in.iked takes its Quick Mode proposals from here."]
        for item in items {
            lines.append("#INDEX \(item.index)")
            lines.append(IPsecPolicyPrinter.text(item.entry))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes the file (mode 0644, replaced atomically), creating its directory.
    public func write(_ path: String) -> String? {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            var directory = ""
            for part in path[..<slash].split(separator: "/") {
                directory += "/" + part
                mkdir(directory, 0o755)
            }
        }
        let temporary = path + ".new"
        guard let handle = fopen(temporary, "w") else { return "\(temporary): \(String(cString: strerror(errno)))" }
        let bytes = Array(text.utf8)
        let written = fwrite(bytes, 1, bytes.count, handle)
        fclose(handle)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            return "\(path): \(String(cString: strerror(errno)))"
        }
        return nil
    }
}

extension Substring {
    fileprivate var trimmingBlanks: Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" || result.last == "\r" { result = result.dropLast() }
        return result
    }
}
