import IPsecTypes

/// A kernel that keeps SAs (and, when asked, policies) in memory: for tests, the demo and
/// unprivileged runs. SPIs come from the injected generator, so runs repeat in tests.
public final class InMemoryKernel: KernelPort {
    private var table: [SAKey: IPsecSA] = [:]
    private var reserved: Set<SAKey> = []
    private var policyTable: [KernelPolicy] = []
    private var nextPolicyIndex: UInt32 = 8
    private let keepsPolicy: Bool
    private let nextSPI: () -> UInt32
    /// Events the test delivers as if the kernel had sent them.
    public var pendingEvents: [KernelEvent] = []
    public static let portName = "memory"
    public let name = InMemoryKernel.portName
    public let malformedMessages = 0
    public let eventDescriptor: Int32? = nil

    struct SAKey: Hashable {
        var spi: UInt32
        var protocolID: SecurityProtocol
        var destination: IPAddress
    }

    /// `keepsPolicy`: answer `policies` (empty until some are installed) instead of nil.
    private var counters: [SAKey: UInt64] = [:]

    public init(keepsPolicy: Bool = false, spiGenerator: @escaping () -> UInt32 = { UInt32.random(in: 0x100...UInt32.max) }) {
        self.keepsPolicy = keepsPolicy
        self.nextSPI = spiGenerator
    }

    public func allocateSPI(protocolID: SecurityProtocol, source: IPAddress, destination: IPAddress) throws(KernelError) -> UInt32 {
        for _ in 0..<64 {
            let key = SAKey(spi: nextSPI(), protocolID: protocolID, destination: destination)
            guard key.spi > 255, table[key] == nil, !reserved.contains(key) else { continue }
            reserved.insert(key)
            return key.spi
        }
        throw KernelError("no free SPI to \(destination)")
    }

    public func install(inbound: IPsecSA, outbound: IPsecSA) throws(KernelError) {
        let keys = [inbound, outbound].map { SAKey(spi: $0.spi, protocolID: $0.protocolID, destination: $0.destination) }
        if let taken = keys.first(where: { table[$0] != nil }) {
            throw KernelError("SPI \(String(taken.spi, radix: 16)) to \(taken.destination) is already in use")
        }
        reserved.remove(keys[0])
        table[keys[0]] = inbound
        table[keys[1]] = outbound
    }

    public func update(inbound: IPsecSA, outbound: IPsecSA, previousOutboundDestination: IPAddress) throws(KernelError) {
        let inboundKey = SAKey(spi: inbound.spi, protocolID: inbound.protocolID, destination: inbound.destination)
        let previous = SAKey(spi: outbound.spi, protocolID: outbound.protocolID, destination: previousOutboundDestination)
        guard table[inboundKey] != nil, table[previous] != nil else { throw KernelError("no SA pair \(String(inbound.spi, radix: 16))/\(String(outbound.spi, radix: 16)) to update") }
        table[inboundKey] = inbound
        table[previous] = nil
        table[SAKey(spi: outbound.spi, protocolID: outbound.protocolID, destination: outbound.destination)] = outbound
    }

    public func delete(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) throws(KernelError) {
        guard table.removeValue(forKey: SAKey(spi: spi, protocolID: protocolID, destination: destination)) != nil else {
            throw KernelError("no SA \(String(spi, radix: 16)) to \(destination)")
        }
    }

    public var installed: [IPsecSA] { table.values.sorted { $0.spi < $1.spi } }

    /// Bytes carried: set by tests through `carried(_:spi:protocolID:destination:)`; 0 otherwise, since
    /// no traffic crosses SAs kept in memory.
    public func byteCount(spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) -> UInt64? {
        let key = SAKey(spi: spi, protocolID: protocolID, destination: destination)
        return table[key] == nil ? nil : counters[key, default: 0]
    }

    /// Records traffic over an SA (tests).
    public func carried(_ bytes: UInt64, spi: UInt32, protocolID: SecurityProtocol, destination: IPAddress) {
        counters[SAKey(spi: spi, protocolID: protocolID, destination: destination), default: 0] += bytes
    }

    public func receiveEvents() -> [KernelEvent] {
        defer { pendingEvents = [] }
        return pendingEvents
    }

    public var policies: [KernelPolicy]? { keepsPolicy ? policyTable : nil }

    public func installPolicy(_ policy: KernelPolicy) throws(KernelError) -> KernelPolicy {
        guard keepsPolicy else { throw KernelError("this kernel port keeps no policy") }
        if policyTable.contains(where: { $0.direction == policy.direction && $0.selector == policy.selector && $0.priority == policy.priority }) {
            throw KernelError("File exists", errno: 17)
        }
        var added = policy
        added.index = nextPolicyIndex
        nextPolicyIndex += 8
        policyTable.append(added)
        return added
    }

    public func deletePolicy(_ policy: KernelPolicy) throws(KernelError) {
        guard let index = policyTable.firstIndex(where: { $0.index == policy.index && $0.direction == policy.direction }) else {
            throw KernelError("No such file or directory", errno: 2)
        }
        policyTable.remove(at: index)
    }

    public func flushPolicies() throws(KernelError) { policyTable = [] }
}
