import CIKESupport
import IPsecTypes
#if canImport(Glibc)
import Glibc
#endif

extension ike_address {
    init(_ address: IPAddress, port: UInt16) {
        self.init()
        family = address.isIPv4 ? 4 : 6
        self.port = port
        withUnsafeMutableBytes(of: &bytes) { raw in
            for (index, byte) in address.bytes.enumerated() { raw[index] = byte }
        }
    }

    var endpoint: Endpoint? {
        let count = family == 4 ? 4 : 16
        let raw = withUnsafeBytes(of: bytes) { Array($0.prefix(count)) }
        guard family == 4 || family == 6, let address = IPAddress(bytes: raw) else { return nil }
        return Endpoint(address: address, port: port)
    }
}

/// One bound UDP socket that learns each datagram's local address (IP_PKTINFO) and can choose the
/// source address of what it sends.
final class UDPSocket {
    let fd: Int32
    let local: Endpoint

    init(address: IPAddress, port: UInt16, bypassIPsec: Bool) throws(DaemonError) {
        var bind = ike_address(address, port: port)
        var bypassError: Int32 = 0
        let fd = ike_udp_open(&bind, bypassIPsec ? 1 : 0, &bypassError)
        guard fd >= 0 else { throw DaemonError("cannot bind UDP \(Endpoint(address: address, port: port)): \(String(cString: strerror(-fd)))") }
        if bypassError != 0 {
            close(fd)
            throw DaemonError("cannot exempt the IKE socket from IPsec policy: \(String(cString: strerror(-bypassError)))")
        }
        self.fd = fd
        self.local = Endpoint(address: address, port: UInt16(clamping: ike_udp_local_port(fd)))
    }

    deinit { close(fd) }

    /// The next datagram, or nil when none is waiting.
    func receive(into buffer: inout [UInt8]) -> (bytes: [UInt8], from: Endpoint, to: Endpoint)? {
        var from = ike_address(), to = ike_address()
        let count = buffer.withUnsafeMutableBufferPointer { ike_udp_receive(fd, $0.baseAddress, $0.count, &from, &to) }
        guard count >= 0, let source = from.endpoint else { return nil }
        let destination = to.endpoint.map { Endpoint(address: $0.address, port: local.port) } ?? local
        return (Array(buffer.prefix(count)), source, destination)
    }

    func send(_ bytes: [UInt8], to remote: Endpoint, from local: Endpoint) -> Int32 {
        var destination = ike_address(remote.address, port: remote.port)
        var source = ike_address(local.address, port: local.port)
        let count = bytes.withUnsafeBufferPointer { ike_udp_send(fd, $0.baseAddress, $0.count, &destination, &source) }
        return count < 0 ? Int32(-count) : 0
    }
}

/// A monotonic clock for the engine.
enum MonotonicClock {
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
