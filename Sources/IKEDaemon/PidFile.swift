#if canImport(Glibc)
import Glibc
#endif

/// The daemon's pid file, held with an exclusive `flock` for the daemon's whole life: a second
/// in.iked finds it locked and stops before it touches a socket; a file left by a daemon that was
/// killed is not locked by anyone and is taken over.
final class PidFile {
    let path: String
    private let fd: Int32

    init(path: String) throws(DaemonError) {
        self.path = path
        makeParentDirectories(of: path)
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw DaemonError("pid file \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(fd)
            close(fd)
            throw DaemonError("in.iked is already running" + (holder.map { " (pid \($0))" } ?? "") + "; its pid file is \(path)")
        }
        let text = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, text.withUnsafeBytes({ pwrite(fd, $0.baseAddress, $0.count, 0) }) == text.count else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw DaemonError("pid file \(path): \(message)")
        }
        self.fd = fd
    }

    deinit {
        // Removed while still locked: a new daemon cannot have taken it over in between.
        unlink(path)
        close(fd)
    }

    private static func readPID(_ fd: Int32) -> Int32? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: bytes.prefix(count), as: UTF8.self).filter(\.isNumber))
    }
}
