#if canImport(Glibc)
import Glibc
#endif

/// ikeadm's side of a command that names a file: the file is opened here, with the user's rights
/// and relative to the user's directory, and its descriptor goes to the daemon with the request
/// (`ClientFile` is the daemon's side). A write target is created new with mode 0600 (never
/// overwriting a file, the live configuration included); only regular files are passed.
public enum AdminFileOpener {
    /// The command's file and what it is for, when the command names one.
    public static func file(in words: [String]) -> (path: String, use: ClientFile.Use)? {
        switch words.count {
        case 3 where words[0] == "read" && (words[1] == "rule" || words[1] == "preshared"): (words[2], .read)
        case 3 where words[0] == "write" && (words[1] == "rule" || words[1] == "preshared"): (words[2], .write)
        case 4 where words[0] == "set" && words[1] == "debug": (words[3], .append)
        default: nil
        }
    }

    /// `path` made absolute against the current directory (for messages and `get debug`).
    public static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (directory == "/" ? "" : directory) + "/" + path
    }

    /// Opens `path` for `use`; the descriptor or why not. Opening never blocks (O_NONBLOCK, so a FIFO
    /// cannot stall ikeadm either), and anything but a regular file is refused here already.
    public static func open(_ path: String, for use: ClientFile.Use) -> Result<Int32, DaemonError> {
        let flags: Int32 = switch use {
        case .read: O_RDONLY
        case .write: O_WRONLY | O_CREAT | O_EXCL
        case .append: O_WRONLY | O_APPEND | O_CREAT
        }
        let fd = Glibc.open(path, flags | O_CLOEXEC | O_NONBLOCK, 0o600)
        guard fd >= 0 else {
            let verb = use == .read ? "read" : (use == .write ? "create" : "open")
            return .failure(DaemonError("cannot \(verb) \(path): \(String(cString: strerror(errno)))"))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return .failure(DaemonError("\(path) is not a regular file"))
        }
        // Back to blocking for the daemon's reads and writes of a regular file (they never wait).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .success(fd)
    }
}
