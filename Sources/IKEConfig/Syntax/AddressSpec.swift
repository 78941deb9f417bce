import IPsecTypes

/// An address, prefix or range as ike.config and ipsecinit.conf write them (`10.1.1.1`, `10.1.1.0/24`,
/// `10.1.1.0/255.255.255.0`, `10.1.1.0-10.1.1.255`; IPv6 likewise).
public enum AddressSpec: Hashable, Sendable, CustomStringConvertible {
    case single(IPAddress)
    /// An address and prefix length; host bits are kept as written but ignored for matching.
    case prefix(IPAddress, length: Int)
    /// An inclusive range, first ≤ last, one family.
    case range(IPAddress, IPAddress)

    /// Parses the joined text of an address token. Returns a message for the error otherwise.
    public static func parse(_ text: String) -> Result<AddressSpec, AddressSpecError> {
        if let slash = text.firstIndex(of: "/") {
            let base = String(text[..<slash]), suffix = String(text[text.index(after: slash)...])
            guard let address = IPAddress(base) else { return .failure(.init("'\(base)' is not an IPv4 or IPv6 address")) }
            if let length = CNumber.integer(suffix), !suffix.contains(".") && !suffix.contains(":") {
                guard length <= UInt64(address.bitWidth) else {
                    return .failure(.init("prefix length \(length) is longer than the \(address.bitWidth) bits of \(base)"))
                }
                return .success(.prefix(address, length: Int(length)))
            }
            guard let mask = IPAddress(suffix) else { return .failure(.init("'\(suffix)' is neither a prefix length nor a netmask")) }
            guard mask.isIPv4 == address.isIPv4 else { return .failure(.init("netmask \(suffix) is not of the same family as \(base)")) }
            guard let length = mask.prefixLength else { return .failure(.init("netmask \(suffix) is not contiguous")) }
            return .success(.prefix(address, length: length))
        }
        // A dash separates a range; IPv6 text never contains one.
        if let dash = text.firstIndex(of: "-") {
            let first = String(text[..<dash]), last = String(text[text.index(after: dash)...])
            guard let low = IPAddress(first) else { return .failure(.init("'\(first)' is not an IPv4 or IPv6 address")) }
            guard let high = IPAddress(last) else { return .failure(.init("'\(last)' is not an IPv4 or IPv6 address")) }
            guard low.isIPv4 == high.isIPv4 else { return .failure(.init("range \(text) mixes IPv4 and IPv6")) }
            guard low.integerValue <= high.integerValue else { return .failure(.init("range \(text) ends before it starts")) }
            return .success(.range(low, high))
        }
        guard let address = IPAddress(text) else {
            return .failure(.init("'\(text)' is not an IPv4 or IPv6 address (host names are not allowed here)"))
        }
        return .success(.single(address))
    }

    public var isIPv4: Bool {
        switch self {
        case .single(let address), .prefix(let address, _), .range(let address, _): address.isIPv4
        }
    }

    /// First and last address covered, as integers.
    public var bounds: (low: UInt128, high: UInt128) {
        switch self {
        case .single(let address):
            return (address.integerValue, address.integerValue)
        case .prefix(let address, let length):
            let hostMask = AddressMask.hostBits(width: address.bitWidth, length: length)
            let low = address.integerValue & ~hostMask
            return (low, low | hostMask)
        case .range(let first, let last):
            return (first.integerValue, last.integerValue)
        }
    }

    /// Number of addresses covered minus one (0 for a single address): smaller is more specific.
    public var span: UInt128 { bounds.high - bounds.low }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv4 == isIPv4 else { return false }
        let value = address.integerValue, range = bounds
        return value >= range.low && value <= range.high
    }

    /// The canonical text: `a`, `a/len`, `a-b`.
    public var description: String {
        switch self {
        case .single(let address): "\(address)"
        case .prefix(let address, let length): "\(address)/\(length)"
        case .range(let first, let last): "\(first)-\(last)"
        }
    }
}

/// Why an address token did not parse.
public struct AddressSpecError: Error, Equatable, Sendable {
    public let message: String
    init(_ message: String) { self.message = message }
}
