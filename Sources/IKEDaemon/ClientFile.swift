import IKEConfig
#if canImport(Glibc)
import Glibc
#endif

/// A file an ikeadm client opened with its own rights and passed with its request (SCM_RIGHTS), as
/// Solaris ikeadm passes a descriptor through the door. The daemon never opens a path a client
/// names: what the client could not open, the daemon cannot be made to touch. Only regular files
/// are taken (a FIFO, device or socket could block the daemon's loop or be something else
/// entirely), with the access the command needs, and reads are bounded.
public final class ClientFile {
    /// What a command does with the file.
    public enum Use: Equatable, Sendable {
        case read
        /// A file ikeadm created for the write (new, 0600).
        case write
        /// The debug log: appended to.
        case append
    }

    private(set) var fd: Int32
    /// The name the client gave, for messages only.
    let name: String

    private init(fd: Int32, name: String) {
        self.fd = fd
        self.name = name
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Takes the descriptor a request carried, or says why it cannot serve `use`; the descriptor is
    /// closed when it is refused.
    static func accept(_ fd: Int32?, name: String, for use: Use) -> Result<ClientFile, DaemonError> {
        guard let fd, fd >= 0 else {
            if fd == -2 { return .failure(DaemonError("\(name): the request carried more than one file")) }
            return .failure(DaemonError("\(name): ikeadm did not pass the file (the daemon opens no file a client names; use an ikeadm of this version)"))
        }
        let file = ClientFile(fd: fd, name: name)
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(DaemonError("\(name): \(String(cString: strerror(errno)))")) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(DaemonError("\(name) is not a regular file")) }
        let flags = fcntl(fd, F_GETFL)
        let access = flags & O_ACCMODE
        switch use {
        case .read:
            guard access == O_RDONLY || access == O_RDWR else { return .failure(DaemonError("\(name) was not opened for reading")) }
        case .write, .append:
            guard access == O_WRONLY || access == O_RDWR else { return .failure(DaemonError("\(name) was not opened for writing")) }
            if use == .append, flags & O_APPEND == 0 { _ = fcntl(fd, F_SETFL, flags | O_APPEND) }
        }
        return .success(file)
    }

    /// The permission bits of the file (ike.preshared must not be readable by group or others).
    var mode: UInt32 {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt32(info.st_mode & 0o7777) : 0
    }

    /// The whole file as text, bounded as the daemon's own configuration files are.
    func readAll() -> Result<String, DaemonError> {
        ConfigFileReader.read(descriptor: fd, name: name).mapError { DaemonError($0.description) }
    }

    /// Writes `text` at the end; nil on success.
    func write(_ text: String) -> DaemonError? {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return DaemonError("cannot write \(name): \(String(cString: strerror(errno)))") }
            offset += written
        }
        return nil
    }

    /// Hands the descriptor over (the debug log keeps it); this object no longer closes it.
    func release() -> Int32 {
        let descriptor = fd
        fd = -1
        return descriptor
    }
}
