extension FixedWidthInteger where Self: UnsignedInteger {
    /// `0x` and every hex digit of the width, as SPIs and cookies are shown (`0x0000abcd`).
    public var paddedHex: String {
        let digits = String(self, radix: 16)
        return "0x" + String(repeating: "0", count: Self.bitWidth / 4 - digits.count) + digits
    }
}
