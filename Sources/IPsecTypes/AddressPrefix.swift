/// Prefix arithmetic on addresses held as `UInt128`, in one place: every width from 0 to the full
/// address is valid input (a /0 and a /128 are where hand-written shifts overflow).
public enum AddressMask {
    /// A value whose lowest `bits` bits are set: `bits` is clamped to 0...128, so no shift overflows.
    public static func lowBits(_ bits: Int) -> UInt128 {
        if bits <= 0 { return 0 }
        if bits >= UInt128.bitWidth { return .max }
        return (UInt128(1) << UInt128(bits)) - 1
    }

    /// The host part of a `length`-bit prefix of an address `width` bits wide (0 for a full-length prefix).
    public static func hostBits(width: Int, length: Int) -> UInt128 { lowBits(width - length) }

    /// The network mask of a `length`-bit prefix, `width` bits wide (all zero for /0).
    public static func network(width: Int, length: Int) -> UInt128 {
        lowBits(width) & ~hostBits(width: width, length: length)
    }
}

extension AddressRange {
    /// The addresses of `base`/`length` (host bits of `base` cleared); nil when `length` is not in
    /// 0...width of the family.
    public init?(prefix base: IPAddress, length: Int) {
        guard (0...base.bitWidth).contains(length) else { return nil }
        let host = AddressMask.hostBits(width: base.bitWidth, length: length)
        let low = base.integerValue & ~host
        self.init(first: IPAddress(integer: low, isIPv4: base.isIPv4), last: IPAddress(integer: low | host, isIPv4: base.isIPv4))
    }
}

extension IPAddress {
    /// The netmask of a `length`-bit prefix of the family (`length` clamped to 0...width).
    public static func netmask(length: Int, isIPv4: Bool) -> IPAddress {
        let width = isIPv4 ? 32 : 128
        return IPAddress(integer: AddressMask.network(width: width, length: max(0, min(length, width))), isIPv4: isIPv4)
    }
}
