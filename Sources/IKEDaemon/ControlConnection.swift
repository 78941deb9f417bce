import CIKESupport
#if canImport(Glibc)
import Glibc
#endif

/// One ikeadm connection, served by the daemon's loop without ever blocking it: the request frame is
/// read as its bytes arrive and the answer written as the client takes it. A client that stays longer
/// than `deadline` (slow, stopped or gone) is dropped; other clients and peers are served meanwhile.
final class ControlConnection {
    let fd: Int32
    let deadline: Int64
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private var written = 0
    /// The descriptor that came with the request (ikeadm passes the file a command names; -2: the
    /// client sent more than one), until the command takes it.
    private var passed: Int32?

    /// What reading brought.
    enum Progress: Equatable {
        case waiting
        case request(String)
        case malformed
        case closed
    }

    init(fd: Int32, deadline: Int64) {
        self.fd = fd
        self.deadline = deadline
    }

    deinit {
        close(fd)
        if let passed, passed >= 0 { close(passed) }
    }

    /// The passed descriptor, handed over once (nil when the request carried none).
    func takePassedDescriptor() -> Int32? {
        defer { passed = nil }
        return passed
    }

    /// The poll events this connection waits for.
    var events: Int16 { Int16(output.isEmpty ? POLLIN : POLLOUT) }

    var isAnswering: Bool { !output.isEmpty }

    /// Reads what has arrived; a request once its whole frame is here.
    func readAvailable(limit: Int) -> Progress {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var descriptor: Int32 = -1
            let got = chunk.withUnsafeMutableBytes { ike_recv_with_fd(fd, $0.baseAddress, $0.count, &descriptor) }
            if got < 0 {
                if got == -Int(EINTR) { continue }
                if got == -Int(EAGAIN) || got == -Int(EWOULDBLOCK) { break }
                return .closed
            }
            if descriptor != -1 {
                // One file per request: a second one (or a truncated set) spoils the request's file.
                if passed != nil || descriptor == -2 {
                    if let earlier = passed, earlier >= 0 { close(earlier) }
                    if descriptor >= 0 { close(descriptor) }
                    passed = -2
                } else {
                    passed = descriptor
                }
            }
            if got == 0 { return .closed }
            input += chunk[..<got]
            if input.count >= 4 {
                let length = Int(input[0]) << 24 | Int(input[1]) << 16 | Int(input[2]) << 8 | Int(input[3])
                // Refused without reading the rest.
                guard length <= limit else { return .malformed }
                if input.count >= 4 + length { return .request(String(decoding: input[4..<(4 + length)], as: UTF8.self)) }
            }
        }
        return .waiting
    }

    /// Queues the answer frame.
    func answer(_ text: String) {
        let body = Array(text.utf8)
        let length = UInt32(body.count)
        output = [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
        written = 0
    }

    /// Writes what the client takes now; true when the connection is finished (all sent, or failed).
    func flush() -> Bool {
        while written < output.count {
            let count = output[written...].withUnsafeBytes { ike_send_nosignal(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if count == -Int(EINTR) { continue }
                return !(count == -Int(EAGAIN) || count == -Int(EWOULDBLOCK))
            }
            written += count
        }
        return true
    }
}
