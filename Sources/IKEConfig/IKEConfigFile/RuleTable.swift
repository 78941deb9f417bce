import IPsecTypes

/// Finds the ike.config rule for an address pair, and rules by label.
///
/// Tie-break (documented in docs/CONFIGURATION.md): among the rules whose local and remote address sets
/// contain the pair, the one whose matching remote entry is narrowest wins; then the narrowest local
/// entry; then the rule written first. Lookup cost does not grow with the number of rules in the
/// common case: rules are indexed by the prefixes their remote entries cover (a range is split into at
/// most 2 × 128 prefixes), so a lookup probes one hash table per prefix length in use.
public struct RuleTable: Sendable {
    private struct Key: Hashable {
        var isIPv4: Bool
        var length: Int
        var network: UInt128
    }

    public let configuration: IKEConfiguration
    private var index: [Key: [Int]] = [:]
    /// Prefix lengths in use per family, longest first.
    private var lengthsIPv4: [Int] = []
    private var lengthsIPv6: [Int] = []
    private var labels: [String: Int] = [:]

    public init(_ configuration: IKEConfiguration) {
        self.configuration = configuration
        var lengths4: Set<Int> = [], lengths6: Set<Int> = []
        for (position, rule) in configuration.rules.enumerated() {
            if labels[rule.label] == nil { labels[rule.label] = position }
            for remote in rule.remoteAddresses {
                for (network, length) in Self.prefixes(covering: remote) {
                    index[Key(isIPv4: remote.isIPv4, length: length, network: network), default: []].append(position)
                    if remote.isIPv4 { lengths4.insert(length) } else { lengths6.insert(length) }
                }
            }
        }
        lengthsIPv4 = lengths4.sorted(by: >)
        lengthsIPv6 = lengths6.sorted(by: >)
        for key in index.keys { index[key] = Array(Set(index[key] ?? [])).sorted() }
    }

    /// The rule for traffic between `local` and `remote`, or nil.
    public func rule(local: IPAddress, remote: IPAddress) -> IKERule? {
        guard let position = position(local: local, remote: remote) else { return nil }
        return configuration.rules[position]
    }

    public func rule(labelled label: String) -> IKERule? {
        labels[label].map { configuration.rules[$0] }
    }

    func position(local: IPAddress, remote: IPAddress) -> Int? {
        let width = remote.bitWidth
        let value = remote.integerValue
        var best: (remote: UInt128, local: UInt128, position: Int)?
        for length in remote.isIPv4 ? lengthsIPv4 : lengthsIPv6 {
            let network = value & Self.networkMask(length: length, width: width)
            guard let candidates = index[Key(isIPv4: remote.isIPv4, length: length, network: network)] else { continue }
            for position in candidates {
                let rule = configuration.rules[position]
                guard let remoteSpan = rule.remoteAddresses.lazy.filter({ $0.contains(remote) }).map(\.span).min(),
                      let localSpan = rule.localAddresses.lazy.filter({ $0.contains(local) }).map(\.span).min()
                else { continue }
                let candidate = (remoteSpan, localSpan, position)
                if let current = best, (current.remote, current.local, current.position) <= candidate { continue }
                best = candidate
            }
        }
        return best?.position
    }

    static func networkMask(length: Int, width: Int) -> UInt128 {
        AddressMask.network(width: width, length: length)
    }

    /// The fewest prefixes whose union is the address set.
    static func prefixes(covering spec: AddressSpec) -> [(network: UInt128, length: Int)] {
        let width = spec.isIPv4 ? 32 : 128
        let bounds = spec.bounds
        var low = bounds.low
        var result: [(UInt128, Int)] = []
        while true {
            // The largest aligned block starting at `low` that stays within `high`.
            var hostBits = low == 0 ? width : min(width, low.trailingZeroBitCount)
            while hostBits > 0 {
                let blockMask = AddressMask.lowBits(hostBits)
                if blockMask <= bounds.high - low { break }
                hostBits -= 1
            }
            result.append((low, width - hostBits))
            let blockMask = AddressMask.lowBits(hostBits)
            let last = low + blockMask
            if last >= bounds.high { break }
            low = last + 1
        }
        return result
    }
}
