import IPsecTypes

/// The IPsec SA pairs we installed, by our inbound SPI, with the indexes that find one without a
/// search: by outbound SPI (the peer's deletes name it) and by either SPI with its destination
/// (the kernel's expiries name those). Every change marks the pair's deadline entry for re-reading.
struct IPsecSATable {
    private var pairs: [UInt32: InstalledSAPair] = [:]
    private var byOutbound: [UInt32: Set<UInt32>] = [:]
    private var byKernelKey: [KernelKey: UInt32] = [:]
    private var byPeer: [IPAddress: Set<UInt32>] = [:]
    let dirty: DirtyDeadlines

    struct KernelKey: Hashable {
        var spi: UInt32
        var destination: IPAddress
    }

    init(dirty: DirtyDeadlines) { self.dirty = dirty }

    var count: Int { pairs.count }
    var values: Dictionary<UInt32, InstalledSAPair>.Values { pairs.values }
    var keys: Dictionary<UInt32, InstalledSAPair>.Keys { pairs.keys }
    var all: [(ourSPI: UInt32, pair: InstalledSAPair)] { pairs.map { ($0.key, $0.value) } }

    subscript(ourSPI: UInt32) -> InstalledSAPair? {
        get { pairs[ourSPI] }
        set {
            if let old = pairs[ourSPI] { unindex(old, ourSPI) }
            pairs[ourSPI] = newValue
            if let newValue { index(newValue, ourSPI) }
            dirty.mark(.ipsec(ourSPI))
        }
    }

    @discardableResult
    mutating func removeValue(forKey ourSPI: UInt32) -> InstalledSAPair? {
        let old = pairs[ourSPI]
        self[ourSPI] = nil
        return old
    }

    /// Our inbound SPI of the pair whose outbound SA is `spi` of `protocolID` with `peer`.
    func ourSPI(outbound spi: UInt32, protocolID: SecurityProtocol, peer: IPAddress) -> UInt32? {
        byOutbound[spi]?.first { pairs[$0].map { $0.peer == peer && $0.outbound.protocolID == protocolID } ?? false }
    }

    /// The pairs with a peer (our inbound SPIs).
    func pairs(with peer: IPAddress) -> [(ourSPI: UInt32, pair: InstalledSAPair)] {
        (byPeer[peer] ?? []).compactMap { spi in pairs[spi].map { (spi, $0) } }
    }

    /// Our inbound SPI of the pair one of whose SAs is `spi` to `destination`.
    func ourSPI(kernelSPI spi: UInt32, destination: IPAddress) -> UInt32? { byKernelKey[KernelKey(spi: spi, destination: destination)] }

    private mutating func index(_ pair: InstalledSAPair, _ ourSPI: UInt32) {
        byPeer[pair.peer, default: []].insert(ourSPI)
        byOutbound[pair.outbound.spi, default: []].insert(ourSPI)
        byKernelKey[KernelKey(spi: pair.inbound.spi, destination: pair.inbound.destination)] = ourSPI
        byKernelKey[KernelKey(spi: pair.outbound.spi, destination: pair.outbound.destination)] = ourSPI
    }

    private mutating func unindex(_ pair: InstalledSAPair, _ ourSPI: UInt32) {
        byPeer[pair.peer]?.remove(ourSPI)
        if byPeer[pair.peer]?.isEmpty == true { byPeer[pair.peer] = nil }
        byOutbound[pair.outbound.spi]?.remove(ourSPI)
        if byOutbound[pair.outbound.spi]?.isEmpty == true { byOutbound[pair.outbound.spi] = nil }
        for key in [KernelKey(spi: pair.inbound.spi, destination: pair.inbound.destination), KernelKey(spi: pair.outbound.spi, destination: pair.outbound.destination)]
        where byKernelKey[key] == ourSPI {
            byKernelKey[key] = nil
        }
    }
}

/// Both directions of an SA pair we installed, for deletes and expiry.
struct InstalledSAPair {
    var inbound: IPsecSA
    var outbound: IPsecSA
    /// The Phase 1 SA that negotiated it (deletes go through it while it lives).
    var phase1: SAHandle
    var peer: IPAddress
    var request: AcquireRequest?
    var installed: EngineInstant
    /// softLifetime (disarmed once rekeyed), hardLifetime, idleCheck.
    var deadlines = Deadlines<IPsecTimer>()
    var rekeyed = false
    /// p2_idletime_secs: what the counters said and since when (the check time is `deadlines[.idleCheck]`).
    var idle: IdleWatch?
}
