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
        guard fd >= 0 else {
            let endpoint = Endpoint(address: address, port: port)
            if -fd == EADDRINUSE {
                throw DaemonError("UDP \(endpoint) is in use: another IKE daemon (strongSwan, Libreswan, another in.iked) is listening there")
            }
            throw DaemonError("cannot bind UDP \(endpoint): \(String(cString: strerror(-fd)))")
        }
        if bypassError != 0 {
            close(fd)
            throw DaemonError("cannot exempt the IKE socket from IPsec policy: \(String(cString: strerror(-bypassError)))")
        }
        self.fd = fd
        self.local = Endpoint(address: address, port: UInt16(clamping: ike_udp_local_port(fd)))
    }

    deinit { close(fd) }

    /// Makes this the NAT-T socket: ESP-in-UDP goes to the kernel, IKE (behind the non-ESP marker)
    /// to us. Returns the errno on failure.
    func encapsulateESP() -> Int32? {
        let result = ike_udp_encapsulate_esp(fd)
        return result < 0 ? -result : nil
    }

    /// The datagrams waiting on the socket, up to the batch's size, read with one system call; fewer
    /// than `ReceiveBatch.slots` means none are left. A datagram too long for a slot is dropped.
    func receive(into batch: inout ReceiveBatch) -> [(bytes: [UInt8], from: Endpoint, to: Endpoint)] {
        let count = batch.storage.withUnsafeMutableBufferPointer { storage in
            batch.info.withUnsafeMutableBufferPointer { info in
                ike_udp_receive_many(fd, storage.baseAddress, ReceiveBatch.slotSize, Int32(ReceiveBatch.slots), info.baseAddress)
            }
        }
        guard count > 0 else { return [] }
        var datagrams: [(bytes: [UInt8], from: Endpoint, to: Endpoint)] = []
        datagrams.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            let info = batch.info[index]
            guard info.length >= 0, let source = info.from.endpoint else { continue }
            let destination = info.to.endpoint.map { Endpoint(address: $0.address, port: local.port) } ?? local
            let start = index * ReceiveBatch.slotSize
            datagrams.append((Array(batch.storage[start..<start + info.length]), source, destination))
        }
        batch.received = Int(count)
        return datagrams
    }

    func send(_ bytes: [UInt8], to remote: Endpoint, from local: Endpoint) -> Int32 {
        var destination = ike_address(remote.address, port: remote.port)
        var source = ike_address(local.address, port: local.port)
        let count = bytes.withUnsafeBufferPointer { ike_udp_send(fd, $0.baseAddress, $0.count, &destination, &source) }
        return count < 0 ? Int32(-count) : 0
    }
}

/// Buffers for one `recvmmsg`: datagrams arriving together cost one system call, and the call that
/// finds the queue empty is saved when a batch comes back short.
struct ReceiveBatch {
    static let slots = 16
    /// The largest UDP payload.
    static let slotSize = 65536
    var storage = [UInt8](repeating: 0, count: slots * slotSize)
    var info = [ike_datagram_info](repeating: ike_datagram_info(), count: slots)
    /// How many the last call returned (a full batch: there may be more waiting).
    var received = 0
}

/// A monotonic clock for the engine.
enum MonotonicClock {
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
