/// A small ordered document tree (what ikedump knows about a message, what ikeadm --json prints),
/// rendered either as indented text or as JSON, so both outputs always say the same facts.
public indirect enum Field: Equatable, Sendable {
    case string(String)
    case number(Int64)
    case bool(Bool)
    case object([(String, Field)])
    case array([Field])

    public static func == (lhs: Field, rhs: Field) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): a == b
        case let (.number(a), .number(b)): a == b
        case let (.bool(a), .bool(b)): a == b
        case let (.object(a), .object(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(a), .array(b)): a == b
        default: false
        }
    }

    /// The value under `key` of an object.
    public subscript(key: String) -> Field? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    // MARK: JSON

    /// Compact JSON (keys in document order).
    public var json: String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    private func writeJSON(into out: inout String) {
        switch self {
        case .string(let text): Self.writeJSONString(text, into: &out)
        case .number(let value): out += String(value)
        case .bool(let value): out += value ? "true" : "false"
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.writeJSON(into: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (index, (key, value)) in pairs.enumerated() {
                if index > 0 { out += "," }
                Self.writeJSONString(key, into: &out)
                out += ":"
                value.writeJSON(into: &out)
            }
            out += "}"
        }
    }

    private static func writeJSONString(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    // MARK: Text

    /// Indented text: `key: value` for scalars, nested blocks for objects, `- ` items for arrays.
    public func text(indent: Int = 0) -> String {
        var lines: [String] = []
        writeText(into: &lines, indent: indent)
        return lines.joined(separator: "\n")
    }

    private var scalarText: String? {
        switch self {
        case .string(let text): text
        case .number(let value): String(value)
        case .bool(let value): value ? "yes" : "no"
        case .object, .array: nil
        }
    }

    private func writeText(into lines: inout [String], indent: Int) {
        let pad = String(repeating: "  ", count: indent)
        switch self {
        case .object(let pairs):
            for (key, value) in pairs {
                if let scalar = value.scalarText {
                    lines.append("\(pad)\(key): \(scalar)")
                } else if case .array(let items) = value, items.isEmpty {
                    lines.append("\(pad)\(key): none")
                } else {
                    lines.append("\(pad)\(key):")
                    value.writeText(into: &lines, indent: indent + 1)
                }
            }
        case .array(let items):
            for item in items {
                if let scalar = item.scalarText {
                    lines.append("\(pad)- \(scalar)")
                } else {
                    var nested: [String] = []
                    item.writeText(into: &nested, indent: indent + 1)
                    if var first = nested.first {
                        first = "\(pad)- " + first.dropFirst(pad.count + 2)
                        nested[0] = first
                    }
                    lines += nested
                }
            }
        default:
            lines.append(pad + (scalarText ?? ""))
        }
    }
}
