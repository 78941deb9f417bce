import CIKESupport
#if canImport(Glibc)
import Glibc
#endif

/// The control channel between ikeadm and the daemon (the Solaris door's successor, spec §11): a Unix
/// stream socket, mode 0600, each request and answer one frame of a 4-byte big-endian length and UTF-8
/// text. Only root, the daemon's own user, or members of a configured group may connect (checked with
/// SO_PEERCRED).
public enum ControlSocket {
    /// Largest request accepted; larger ones are refused without reading them.
    static let maximumRequest = 64 * 1024
    /// The protocol version, sent first in every request (`IKEADM/1 <command>`).
    public static let version = "IKEADM/1"

    static func address(_ path: String) throws(DaemonError) -> (sockaddr_un, socklen_t) {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { throw DaemonError("control socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return (address, socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1))
    }

    /// A listening socket at `path` (a stale socket file there is replaced; one a running daemon
    /// answers on is not): mode 0600, or 0660 owned by `group` when one is configured.
    static func listen(at path: String, group: UInt32? = nil) throws(DaemonError) -> Int32 {
        var (address, length) = try address(path)
        // Under a root prefix /var/run may not exist yet.
        makeParentDirectories(of: path)
        if isAnswered(path) { throw DaemonError("the control socket \(path) belongs to a running in.iked; not taking it over") }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("control socket: \(String(cString: strerror(errno)))") }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        let permitted = group.map { chown(path, uid_t.max, $0) == 0 && chmod(path, 0o660) == 0 } ?? (chmod(path, 0o600) == 0)
        guard bound == 0, permitted, Glibc.listen(fd, 16) == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw DaemonError("control socket \(path): \(message)")
        }
        return fd
    }

    /// Whether something accepts connections on the socket at `path`.
    public static func isAnswered(_ path: String) -> Bool {
        guard let (found, length) = try? address(path) else { return false }
        var address = found
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } } == 0
    }

    /// A group given by number or name.
    public static func groupID(_ text: String) -> UInt32? {
        if let number = UInt32(text) { return number }
        let id = ike_group_id(text)
        return id >= 0 ? UInt32(id) : nil
    }

    /// Whether the peer of a connected socket is root, our own user, or a member of the control group.
    static func peerIsAuthorized(_ fd: Int32, group: UInt32? = nil) -> Bool {
        let uid = ike_peer_uid(fd)
        if uid == 0 || (uid >= 0 && uid_t(uid) == geteuid()) { return true }
        return group.map { ike_peer_in_group(fd, $0) == 1 } ?? false
    }

    /// Writes one frame, with `passing` attached to its first bytes (SCM_RIGHTS). Never raises
    /// SIGPIPE: a daemon that already answered and closed (busy) must not kill its client.
    static func writeFrame(_ fd: Int32, _ text: String, passing descriptor: Int32? = nil) -> Bool {
        let body = Array(text.utf8)
        let length = UInt32(clamping: body.count)
        let frame = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
        var offset = 0
        while offset < frame.count {
            let attached: Int32 = offset == 0 ? descriptor ?? -1 : -1
            let written = frame[offset...].withUnsafeBytes { ike_send_with_fd(fd, $0.baseAddress, $0.count, attached) }
            if written <= 0 {
                if written == -Int(EINTR) { continue }
                return false
            }
            offset += written
        }
        return true
    }

    /// Reads one frame of at most `limit` bytes; nil on EOF, error or an oversized frame.
    static func readFrame(_ fd: Int32, limit: Int) -> String? {
        guard let header = readExactly(fd, 4) else { return nil }
        let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length <= limit, let body = readExactly(fd, length) else { return nil }
        return String(decoding: body, as: UTF8.self)
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer[offset...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { return nil }
            offset += got
        }
        return buffer
    }

    /// What a daemon at its client limit answers (ikeadm tells the user to try again).
    static let busyAnswer = "ERROR busy"

    /// Sends one command to a daemon and returns its answer (what ikeadm does); `passing` is a file
    /// the command names, opened by the caller with its own rights.
    public static func request(_ command: String, socket path: String, passing descriptor: Int32? = nil, timeoutSeconds: Int = 10) throws(DaemonError) -> String {
        var (address, length) = try address(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DaemonError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) } }
        guard connected == 0 else {
            throw DaemonError("Unable to communicate with in.iked at \(path): \(String(cString: strerror(errno)))")
        }
        let sent = writeFrame(fd, "\(version) \(command)", passing: descriptor)
        // A busy daemon answers before it reads and closes: its answer may be waiting even when the
        // request could not be sent whole.
        guard let answer = readFrame(fd, limit: 64 << 20) else {
            throw DaemonError(sent ? "in.iked closed the connection without an answer" : "cannot send the request to in.iked")
        }
        if answer.hasPrefix(busyAnswer) { throw DaemonError("in.iked is busy, try again") }
        return answer
    }
}

/// Creates the directories above `path` that do not exist yet (mode 0755; existing ones are left
/// as they are).
func makeParentDirectories(of path: String) {
    var directory = ""
    for part in path.split(separator: "/").dropLast() {
        directory += "/" + part
        mkdir(directory, 0o755)
    }
}
