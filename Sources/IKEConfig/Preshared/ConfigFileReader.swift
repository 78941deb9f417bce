#if canImport(Glibc)
import Glibc
#endif

/// Reads configuration files from disk with the checks Solaris makes: ike.preshared must not be
/// readable by group or others (ike.preshared(5): mode 0600, root-only directory).
public enum ConfigFileReader {
    /// Largest file read (a 10,000-rule ike.config is about 1 MB).
    public static let maximumSize = Lexer.maximumInput

    /// Whether a file exists at `path`.
    public static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// The file's text, or a diagnostic naming it.
    public static func read(_ path: String) -> Result<String, ConfigDiagnostic> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failure(ConfigDiagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { close(descriptor) }
        return read(descriptor: descriptor, name: path)
    }

    /// The text of an open file (a regular file: reads never wait), at most `maximumSize` bytes;
    /// `name` is what diagnostics call it. The daemon reads the files ikeadm passes it this way.
    public static func read(descriptor: Int32, name: String) -> Result<String, ConfigDiagnostic> {
        let origin = SourceLocation(file: name, line: 1, column: 1)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(bytes.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(ConfigDiagnostic(origin, "read error: \(String(cString: strerror(errno)))"))
            }
            if count == 0 { break }
            bytes += buffer[..<count]
            if bytes.count > maximumSize { return .failure(ConfigDiagnostic(origin, "file is larger than \(maximumSize >> 20) MiB")) }
        }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// Refuses a preshared-key file that group or others can read or write.
    public static func checkSecretMode(_ path: String) -> ConfigDiagnostic? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return ConfigDiagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot open: \(String(cString: strerror(errno)))")
        }
        return secretModeProblem(UInt32(info.st_mode), name: path)
    }

    /// The same check for permission bits already known (a file passed by descriptor).
    public static func secretModeProblem(_ mode: UInt32, name: String) -> ConfigDiagnostic? {
        let bits = mode & 0o777
        guard bits & 0o077 == 0 else {
            return ConfigDiagnostic(SourceLocation(file: name, line: 1, column: 1),
                                    "mode 0\(String(bits, radix: 8)) lets other users see the pre-shared keys; it must be 0600 or 0400 (chmod 600 \(name))")
        }
        return nil
    }
}
