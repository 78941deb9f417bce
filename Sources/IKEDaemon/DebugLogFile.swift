import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's debug log file (`in.iked --log-file`, `ikeadm set debug LEVEL FILE`). Records are
/// appended (mode 0600: debug output names peers and rules); SIGHUP reopens the file by its path so
/// that log rotation can move the old one away.
public final class DebugLogFile: Sendable {
    private struct State {
        var path: String?
        var fd: Int32 = -1
        /// Whether SIGHUP may reopen `path`: only a file the daemon was started with. A file an
        /// ikeadm client passed is kept by its descriptor (the daemon opens no path a client names).
        var reopenable = true
    }

    private let state = Mutex(State())

    public init() {}

    deinit { state.withLock { if $0.fd >= 0 { close($0.fd) } } }

    /// The file records go to, if any.
    public var path: String? { state.withLock { $0.path } }

    /// Whether records have somewhere to go (checked before a record is formatted).
    var isOpen: Bool { state.withLock { $0.fd >= 0 } }

    /// Starts logging to `path` (closing any earlier file); the error says why not.
    public func open(_ path: String) -> String? {
        let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        state.withLock { current in
            if current.fd >= 0 { close(current.fd) }
            current = State(path: path, fd: fd)
        }
        return nil
    }

    /// Logs to a descriptor an ikeadm client opened and passed (`set debug LEVEL FILE`).
    func adopt(_ fd: Int32, name: String) {
        state.withLock { current in
            if current.fd >= 0 { close(current.fd) }
            current = State(path: name, fd: fd, reopenable: false)
        }
    }

    /// Reopens the file at its path (SIGHUP); a file that cannot be reopened keeps the old descriptor,
    /// and so does a file a client passed.
    public func reopen() -> String? {
        guard let path, state.withLock({ $0.reopenable }) else { return nil }
        return open(path)
    }

    /// Appends one line; false when no file is open.
    @discardableResult
    func append(_ line: String) -> Bool {
        state.withLock { current in
            guard current.fd >= 0 else { return false }
            let bytes = Array((line + "\n").utf8)
            // O_APPEND keeps whole lines together; a full disk loses the line, not the daemon.
            _ = bytes.withUnsafeBytes { write(current.fd, $0.baseAddress, $0.count) }
            return true
        }
    }
}

/// A swift-log handler writing to the debug log file (when one is open), with a UTC timestamp.
public struct DebugLogFileHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .debug
    let label: String
    let file: DebugLogFile

    public init(label: String, file: DebugLogFile) {
        self.label = label
        self.file = file
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        // Without a file, formatting would be wasted work on every debug record.
        guard file.isOpen else { return }
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        file.append("\(Self.timestamp()) \(label) \(event.level)\(fields.isEmpty ? "" : " [\(fields)]") \(event.message)")
    }

    static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
