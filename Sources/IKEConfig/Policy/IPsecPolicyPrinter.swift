/// ipsecinit.conf text for policy entries, in the grammar `IPsecPolicyParser` reads: what `ipsecconf`
/// keeps as the active policy and lists.
public enum IPsecPolicyPrinter {
    static let protocolNames: [UInt8: String] = [1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp", 50: "esp", 51: "ah"]

    public static func text(_ entry: PolicyEntry) -> String {
        let pattern = entry.pattern
        var keys: [String] = []
        if let address = pattern.localAddress { keys.append("laddr \(address)") }
        if let address = pattern.remoteAddress { keys.append("raddr \(address)") }
        if let ulp = pattern.upperProtocol { keys.append("ulp \(protocolNames[ulp] ?? String(ulp))") }
        if let port = pattern.localPort { keys.append("lport \(port)") }
        if let port = pattern.remotePort { keys.append("rport \(port)") }
        if let range = pattern.icmpType { keys.append("type \(rangeText(range))") }
        if let range = pattern.icmpCode { keys.append("code \(rangeText(range))") }
        if let name = pattern.tunnelInterface { keys.append("tunnel \(name)") }
        if let negotiate = pattern.negotiate { keys.append("negotiate \(negotiate.rawValue)") }
        if let direction = pattern.direction { keys.append("dir \(direction.rawValue)") }
        let actions = entry.actions.map { action -> String in
            var properties: [String] = []
            if !action.authAlgorithms.isEmpty { properties.append("auth_algs " + action.authAlgorithms.map(\.description).joined(separator: ",")) }
            if !action.encryptionAlgorithms.isEmpty { properties.append("encr_algs " + action.encryptionAlgorithms.map(\.description).joined(separator: ",")) }
            if !action.encryptionAuthAlgorithms.isEmpty {
                properties.append("encr_auth_algs " + action.encryptionAuthAlgorithms.map(\.description).joined(separator: ","))
            }
            if action.kind.protects { properties.append("sa \(action.uniqueSA ? "unique" : "shared")") }
            if let direction = action.direction { properties.append("dir \(direction.rawValue)") }
            return "\(action.kind.rawValue) {" + properties.map { " " + $0 }.joined() + (properties.isEmpty ? "}" : " }")
        }
        return "{" + keys.map { " " + $0 }.joined() + (keys.isEmpty ? "}" : " }") + " " + actions.joined(separator: " or ")
    }

    private static func rangeText(_ range: ClosedRange<UInt8>) -> String {
        range.lowerBound == range.upperBound ? String(range.lowerBound) : "\(range.lowerBound)-\(range.upperBound)"
    }
}
