/// IPsecTypes is the vocabulary every layer shares: protocol numbers, algorithm and group identifiers
/// (each with its wire number, its ike.config / ipsecinit.conf spelling and its kernel name), so that
/// no other module spells those numbers. Values a peer may send that we do not know are kept as
/// `unknown(n)`, never dropped, because the wire format must echo and hash them unchanged.

/// A number from one IANA/RFC number space, with the name the RFC gives it.
///
/// Each conforming type is a struct wrapping the raw wire value, so an unknown value is still a value
/// (printed as `unknown(n)`) rather than a decoding failure.
public protocol RegisteredNumber: RawRepresentable, Hashable, Sendable, CustomStringConvertible
where RawValue: FixedWidthInteger & Sendable {
    /// The RFC names of the values this number space defines.
    static var registry: [RawValue: String] { get }
    init(rawValue: RawValue)
}

extension RegisteredNumber {
    /// The RFC name, or nil when the value is not registered.
    public var name: String? { Self.registry[rawValue] }
    /// Whether the value is one the RFCs define.
    public var isKnown: Bool { Self.registry[rawValue] != nil }
    /// The RFC name, or `unknown(n)`.
    public var description: String { name ?? "unknown(\(rawValue))" }
    /// The RFC name with the number, as logs show it: `AES-CBC(7)`.
    public var nameAndNumber: String { "\(description)(\(rawValue))" }
}
