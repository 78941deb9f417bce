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
        let origin = SourceLocation(file: path, line: 1, column: 1)
        guard let handle = fopen(path, "rb") else {
            return .failure(ConfigDiagnostic(origin, "cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&buffer, 1, buffer.count, handle)
            if count > 0 { bytes += buffer[0..<count] }
            if bytes.count > maximumSize { return .failure(ConfigDiagnostic(origin, "file is larger than \(maximumSize >> 20) MiB")) }
            if count < buffer.count { break }
        }
        if ferror(handle) != 0 { return .failure(ConfigDiagnostic(origin, "read error: \(String(cString: strerror(errno)))")) }
        return .success(String(decoding: bytes, as: UTF8.self))
    }

    /// Refuses a preshared-key file that group or others can read or write.
    public static func checkSecretMode(_ path: String) -> ConfigDiagnostic? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            return ConfigDiagnostic(SourceLocation(file: path, line: 1, column: 1), "cannot open: \(String(cString: strerror(errno)))")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            let octal = String(mode, radix: 8)
            return ConfigDiagnostic(SourceLocation(file: path, line: 1, column: 1),
                                    "mode 0\(octal) lets other users see the pre-shared keys; it must be 0600 or 0400 (chmod 600 \(path))")
        }
        return nil
    }
}
