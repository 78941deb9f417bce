#if canImport(Glibc)
import Glibc
#endif

/// `ikeadm write`: the target is created new with mode 0600 (never overwriting a file, the live
/// configuration included) and removed again when writing fails.
enum ExclusiveFile {
    /// nil on success, else why the file was not written.
    static func write(_ path: String, _ text: String) -> String? {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return "cannot create \(path): \(String(cString: strerror(errno)))" }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                unlink(path)
                return "cannot write \(path): \(reason)"
            }
            offset += written
        }
        guard close(descriptor) == 0 else {
            unlink(path)
            return "cannot write \(path)"
        }
        return nil
    }
}
