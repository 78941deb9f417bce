import CXFRM

/// One netlink request as bytes: the 16-byte header, a fixed kernel struct, then attributes, each
/// padded to 4 bytes (netlink(7)). Structs are copied from the kernel headers' Swift imports, so their
/// layout is the kernel's.
struct NetlinkRequest {
    private(set) var bytes: [UInt8]

    init(type: UInt16, flags: UInt16) {
        var header = nlmsghdr()
        header.nlmsg_type = type
        header.nlmsg_flags = flags | IKE_NLM_F_REQUEST
        bytes = []
        append(header)
    }

    /// Appends bytes as they are and pads to 4 bytes (an array's contents, not the array value).
    mutating func append(_ raw: [UInt8]) {
        bytes += raw
        pad()
    }

    /// Appends a fixed struct (or any plain value) and pads to 4 bytes.
    mutating func append<T>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        pad()
    }

    mutating func appendAttribute(_ type: UInt16, _ payload: [UInt8]) {
        var header = nlattr()
        header.nla_len = UInt16(MemoryLayout<nlattr>.size + payload.count)
        header.nla_type = type
        withUnsafeBytes(of: header) { bytes.append(contentsOf: $0) }
        bytes += payload
        pad()
    }

    mutating func appendAttribute<T>(_ type: UInt16, value: T) {
        appendAttribute(type, withUnsafeBytes(of: value) { Array($0) })
    }

    private mutating func pad() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    /// The bytes with the total length and `sequence` written into the header.
    func message(sequence: UInt32) -> [UInt8] {
        var result = bytes
        withUnsafeBytes(of: UInt32(result.count)) { result.replaceSubrange(0..<4, with: $0) }
        withUnsafeBytes(of: sequence) { result.replaceSubrange(8..<12, with: $0) }
        return result
    }
}

/// One netlink message received from the kernel: header fields and the payload after the header.
struct NetlinkReply {
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var payload: ArraySlice<UInt8>

    /// Splits a received datagram into messages. A length that does not fit ends the walk and is
    /// reported as malformed (the rest of the datagram cannot be trusted).
    static func split(_ datagram: ArraySlice<UInt8>) -> (messages: [NetlinkReply], malformed: Bool) {
        var messages: [NetlinkReply] = []
        var offset = datagram.startIndex
        let headerSize = MemoryLayout<nlmsghdr>.size
        while datagram.endIndex - offset >= headerSize {
            let header = datagram[offset..<offset + headerSize].withUnsafeBytes { $0.loadUnaligned(as: nlmsghdr.self) }
            let length = Int(header.nlmsg_len)
            guard length >= headerSize, length <= datagram.endIndex - offset else { return (messages, true) }
            messages.append(NetlinkReply(type: header.nlmsg_type, flags: header.nlmsg_flags, sequence: header.nlmsg_seq,
                                         payload: datagram[offset + headerSize..<offset + length]))
            offset += (length + 3) & ~3
        }
        return (messages, offset < datagram.endIndex)
    }

    /// The fixed struct at the start of the payload, when the payload is long enough.
    func fixed<T>(_ type: T.Type) -> T? {
        guard payload.count >= MemoryLayout<T>.size else { return nil }
        return payload.prefix(MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }

    /// The attributes after a fixed struct of `fixedSize` bytes (padded), by type; nil when one is malformed.
    func attributes(after fixedSize: Int) -> [UInt16: ArraySlice<UInt8>]? {
        var result: [UInt16: ArraySlice<UInt8>] = [:]
        var offset = payload.startIndex + ((fixedSize + 3) & ~3)
        let headerSize = MemoryLayout<nlattr>.size
        while payload.endIndex - offset >= headerSize {
            let header = payload[offset..<offset + headerSize].withUnsafeBytes { $0.loadUnaligned(as: nlattr.self) }
            let length = Int(header.nla_len)
            guard length >= headerSize, length <= payload.endIndex - offset else { return nil }
            // NLA_F_NESTED and NLA_F_NET_BYTEORDER live in the top bits of the type.
            result[header.nla_type & 0x3FFF] = payload[offset + headerSize..<offset + length]
            offset += (length + 3) & ~3
        }
        return result
    }

    /// For NLMSG_ERROR: the errno (0 is an acknowledgement).
    var errorCode: Int32? {
        guard type == IKE_NLMSG_ERROR, let error = fixed(nlmsgerr.self) else { return nil }
        return -error.error
    }
}

extension ArraySlice where Element == UInt8 {
    /// A plain value stored in an attribute, when the attribute is long enough.
    func load<T>(_ type: T.Type) -> T? {
        guard count >= MemoryLayout<T>.size else { return nil }
        return prefix(MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) }
    }
}
