/// C-syntax integers (decimal, `0x` hex, leading-`0` octal) and the decimal fractions the retry timers
/// accept (ike.config(5)).
enum CNumber {
    /// The value, or nil when `text` is not a C integer or exceeds UInt64.
    static func integer(_ text: String) -> UInt64? {
        var digits = Substring(text)
        var radix: UInt64 = 10
        if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for character in digits {
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflow2) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        return value
    }

    /// A non-negative integer or decimal fraction (`0.5`, `30`, `1.25`), or nil.
    static func decimal(_ text: String) -> Double? {
        if let integer = integer(text) { return Double(integer) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              !(parts[0].isEmpty && parts[1].isEmpty), text.count <= 24
        else { return nil }
        return Double(text)
    }
}
