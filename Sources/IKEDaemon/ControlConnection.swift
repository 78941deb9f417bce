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

    deinit { close(fd) }

    /// The poll events this connection waits for.
    var events: Int16 { Int16(output.isEmpty ? POLLIN : POLLOUT) }

    var isAnswering: Bool { !output.isEmpty }

    /// Reads what has arrived; a request once its whole frame is here.
    func readAvailable(limit: Int) -> Progress {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                return .closed
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
            let count = output[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return !(errno == EAGAIN || errno == EWOULDBLOCK)
            }
            written += count
        }
        return true
    }
}
