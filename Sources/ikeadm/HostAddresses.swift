#if canImport(Glibc)
import Glibc
#endif

/// `get p1` and `del p1` take host names as Solaris ikeadm does: a name with several addresses
/// repeats the operation for every local × remote pair of one family.
enum HostAddresses {
    /// The numeric addresses of a name or literal, in resolver order without repeats; empty when it
    /// does not resolve. `numericOnly` (ikeadm -n): literals only, no name service is asked.
    static func resolve(_ name: String, numericOnly: Bool = false) -> [String] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        if numericOnly { hints.ai_flags = AI_NUMERICHOST }
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var text = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &text, socklen_t(text.count), nil, 0, NI_NUMERICHOST) == 0 {
                let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(address) { addresses.append(address) }
            }
            entry = current.pointee.ai_next
        }
        return addresses
    }

    /// Every local × remote pair of one family.
    static func pairs(local: [String], remote: [String]) -> [(String, String)] {
        local.flatMap { l in remote.filter { $0.contains(":") == l.contains(":") }.map { (l, $0) } }
    }
}
