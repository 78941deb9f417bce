import CIKESupport
import CXFRM
#if canImport(Glibc)
import Glibc
#endif

/// A netlink socket. Requests are answered on the same socket; `transact` sends one and collects the
/// answer with the same sequence number (an acknowledgement, an error, or a dump up to NLMSG_DONE).
final class NetlinkSocket {
    let fd: Int32
    private var sequence: UInt32 = 0
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    /// How long a request may wait for its answer. Generous: the first ESP SA makes the kernel load
    /// and self-test its crypto modules, seconds under emulation.
    var answerTimeoutMilliseconds: Int32 = 15_000
    /// Messages not belonging to a request (or not parseable) seen while waiting for one.
    private(set) var strayMessages = 0

    /// Opens a socket of `protocolNumber` bound to `groups` (1-based group numbers), in the named
    /// network namespace when one is given.
    init(protocolNumber: Int32, groups: [UInt32] = [], nonblocking: Bool = false, namespace: String? = nil) throws(KernelError) {
        let mask = groups.reduce(UInt32(0)) { $0 | (1 << ($1 - 1)) }
        let result = namespace.map { ike_netlink_open_in_netns($0, protocolNumber, mask, nonblocking ? 1 : 0) }
            ?? ike_netlink_open(protocolNumber, mask, nonblocking ? 1 : 0)
        guard result >= 0 else { throw KernelError(errno: -result, "netlink socket") }
        fd = result
    }

    deinit { close(fd) }

    func nextSequence() -> UInt32 {
        sequence &+= 1
        if sequence == 0 { sequence = 1 }
        return sequence
    }

    /// Sends a request with NLM_F_ACK and waits for its acknowledgement; throws the kernel's error.
    func acknowledge(_ request: NetlinkRequest) throws(KernelError) {
        _ = try transact(request, dump: false)
    }

    /// Sends a request and returns the messages that answer it (for a dump: every part).
    func transact(_ request: NetlinkRequest, dump: Bool) throws(KernelError) -> [NetlinkReply] {
        let sequence = nextSequence()
        var request = request.message(sequence: sequence)
        let sent = request.withUnsafeBytes { ike_netlink_send(fd, $0.baseAddress, $0.count) }
        // Requests can hold keys: gone from this buffer as soon as the kernel has them.
        request.withUnsafeMutableBytes { _ = $0.initializeMemory(as: UInt8.self, repeating: 0) }
        guard sent == 0 else { throw KernelError(errno: -sent, "netlink send") }
        var answers: [NetlinkReply] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { ike_netlink_receive(fd, $0.baseAddress, $0.count, answerTimeoutMilliseconds) }
            if count == 0 { throw KernelError("the kernel did not answer within \(answerTimeoutMilliseconds / 1000) s") }
            if count < 0 {
                if -count == ENOBUFS { continue }
                throw KernelError(errno: Int32(-count), "netlink receive")
            }
            let (messages, malformed) = NetlinkReply.split(buffer[0..<count])
            if malformed { strayMessages += 1 }
            for message in messages {
                guard message.sequence == sequence else {
                    strayMessages += 1
                    continue
                }
                if let code = message.errorCode {
                    if code != 0 { throw KernelError(errno: code, nil) }
                    return answers
                }
                if message.type == IKE_NLMSG_DONE { return answers }
                answers.append(message)
                if !dump { return answers }
            }
        }
    }

    /// Whatever has arrived, without waiting; `overrun` when the kernel dropped notifications.
    func receiveAvailable() -> (messages: [NetlinkReply], malformed: Int, overrun: Bool) {
        var messages: [NetlinkReply] = []
        var malformed = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { ike_netlink_receive(fd, $0.baseAddress, $0.count, 0) }
            if count == -Int(ENOBUFS) { return (messages, malformed, true) }
            guard count > 0 else { return (messages, malformed, false) }
            let split = NetlinkReply.split(buffer[0..<count])
            messages += split.messages
            if split.malformed { malformed += 1 }
        }
    }
}

extension KernelError {
    /// An error with the system's text for `errno`, and what was being done.
    init(errno code: Int32, _ context: String?) {
        let text = String(cString: strerror(code))
        self.init(context.map { "\($0): \(text)" } ?? text, errno: code)
    }
}
