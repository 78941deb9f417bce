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

    /// Refuses a preshared-key file that group or others can read or write, that belongs to another
    /// user than root or us, or that sits in a directory others can write to (they could replace
    /// it): Solaris keeps it in /etc/inet/secret, mode 0700, owned by root.
    public static func checkSecretMode(_ path: String, holding secret: String = "pre-shared keys") -> ConfigDiagnostic? {
        let origin = SourceLocation(file: path, line: 1, column: 1)
        var info = stat()
        guard stat(path, &info) == 0 else { return ConfigDiagnostic(origin, "cannot open: \(String(cString: strerror(errno)))") }
        if let problem = secretModeProblem(UInt32(info.st_mode), name: path, holding: secret) { return problem }
        if info.st_uid != 0, info.st_uid != geteuid() {
            return ConfigDiagnostic(origin, "owned by uid \(info.st_uid): \(secret) must belong to root (chown root \(path))")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var folder = stat()
        guard stat(directory.isEmpty ? "/" : directory, &folder) == 0 else { return nil }
        let bits = UInt32(folder.st_mode) & 0o777
        if bits & 0o022 != 0 {
            return ConfigDiagnostic(origin, "its directory \(directory.isEmpty ? "/" : directory) (mode 0\(String(bits, radix: 8))) is writable by others than its owner, "
                                    + "who could replace the \(secret); it must be 0700 like /etc/inet/secret (chmod 700 \(directory.isEmpty ? "/" : directory))")
        }
        if folder.st_uid != 0, folder.st_uid != geteuid() {
            return ConfigDiagnostic(origin, "its directory \(directory) belongs to uid \(folder.st_uid): it must belong to root (chown root \(directory))")
        }
        return nil
    }

    /// The same check for permission bits already known (a file passed by descriptor).
    public static func secretModeProblem(_ mode: UInt32, name: String, holding secret: String = "pre-shared keys") -> ConfigDiagnostic? {
        let bits = mode & 0o777
        guard bits & 0o077 == 0 else {
            return ConfigDiagnostic(SourceLocation(file: name, line: 1, column: 1),
                                    "mode 0\(String(bits, radix: 8)) lets other users see the \(secret); it must be 0600 or 0400 (chmod 600 \(name))")
        }
        return nil
    }
}
