/// The Solaris debug categories (spec §4.4) as switchable log categories.
public struct DebugCategories: OptionSet, Sendable, Equatable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let certificates = DebugCategories(rawValue: 0x0001)
    public static let keys = DebugCategories(rawValue: 0x0002)
    public static let operational = DebugCategories(rawValue: 0x0004)
    public static let phase1 = DebugCategories(rawValue: 0x0008)
    public static let phase2 = DebugCategories(rawValue: 0x0010)
    public static let pfkey = DebugCategories(rawValue: 0x0020)
    public static let policy = DebugCategories(rawValue: 0x0040)
    public static let proposals = DebugCategories(rawValue: 0x0080)
    public static let door = DebugCategories(rawValue: 0x0100)
    public static let config = DebugCategories(rawValue: 0x0200)
    public static let label = DebugCategories(rawValue: 0x0400)
    public static let all = DebugCategories(rawValue: 0x07FF)
    /// SMF's default `config/debug_level`.
    public static let standard: DebugCategories = [.operational]

    static let names: [String: DebugCategories] = [
        "cert": .certificates, "key": .keys, "op": .operational, "p1": .phase1, "phase1": .phase1, "p2": .phase2, "phase2": .phase2,
        "pfkey": .pfkey, "pol": .policy, "policy": .policy, "prop": .proposals, "door": .door, "config": .config, "label": .label, "all": .all,
    ]

    /// A number (decimal, 0x hex, 0 octal) or a `+`/`-` list of names evaluated left to right from 0
    /// (`phase1+phase2+policy`, `all-op`, `-op`), as ikeadm and SMF accept it.
    public init?(parsing text: String) {
        if let number = Self.number(text) {
            self.init(rawValue: number)
            return
        }
        var value = DebugCategories()
        var adding = true
        var name = ""
        func apply() -> Bool {
            guard !name.isEmpty else { return true }
            guard let category = Self.names[name.lowercased()] else { return false }
            if adding { value.formUnion(category) } else { value.subtract(category) }
            name = ""
            return true
        }
        for character in text {
            if character == "+" || character == "-" {
                guard apply() else { return nil }
                adding = character == "+"
            } else {
                name.append(character)
            }
        }
        guard apply() else { return nil }
        self = value
    }

    private static func number(_ text: String) -> UInt32? {
        if text.hasPrefix("0x") || text.hasPrefix("0X") { return UInt32(text.dropFirst(2), radix: 16) }
        if text.count > 1, text.hasPrefix("0") { return UInt32(text.dropFirst(), radix: 8) }
        return UInt32(text)
    }

    /// The category of an engine log record.
    static func of(_ category: String) -> DebugCategories {
        names[category] ?? .operational
    }
}
