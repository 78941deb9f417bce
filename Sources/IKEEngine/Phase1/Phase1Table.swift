import IPsecTypes
import ISAKMP

/// The Phase 1 SAs under their stable handles, and the indexes that find one without a search: by
/// cookie pair, by initiator cookie while we wait for the responder's (our MM1 is out), and by peer
/// address.
struct Phase1Table {
    private var byHandle: [SAHandle: Phase1SA] = [:]
    private var byCookies: [CookiePair: SAHandle] = [:]
    /// Our initiator SAs whose MM2 has not arrived: the responder cookie is still zero.
    private var awaitingResponderCookie: [Cookie: SAHandle] = [:]
    private var byPeer: [IPAddress: Set<SAHandle>] = [:]
    /// By our address and the peer's: what an acquire looks for.
    private var byAddresses: [AddressPair: Set<SAHandle>] = [:]

    struct AddressPair: Hashable {
        var local: IPAddress
        var remote: IPAddress
    }
    private var lastHandle: UInt32 = 0

    var count: Int { byHandle.count }
    var values: Dictionary<SAHandle, Phase1SA>.Values { byHandle.values }

    /// A handle no SA has had.
    mutating func makeHandle() -> SAHandle {
        lastHandle &+= 1
        while byHandle[SAHandle(value: lastHandle)] != nil || lastHandle == 0 { lastHandle &+= 1 }
        return SAHandle(value: lastHandle)
    }

    subscript(handle: SAHandle) -> Phase1SA? { byHandle[handle] }

    subscript(cookies: CookiePair) -> Phase1SA? { byCookies[cookies].flatMap { byHandle[$0] } }

    /// Our initiator SA for `initiatorCookie` whose responder cookie is not known yet.
    func awaitingResponder(_ initiatorCookie: Cookie) -> Phase1SA? {
        awaitingResponderCookie[initiatorCookie].flatMap { byHandle[$0] }
    }

    /// The SAs with a peer address, looked up as they are used (a caller that stops early pays for
    /// what it saw).
    func with(peer address: IPAddress) -> some Sequence<Phase1SA> {
        (byPeer[address] ?? []).lazy.compactMap { byHandle[$0] }
    }

    /// The SAs between our address `local` and the peer's `remote`.
    func between(local: IPAddress, remote: IPAddress) -> [Phase1SA] {
        (byAddresses[AddressPair(local: local, remote: remote)] ?? []).compactMap { byHandle[$0] }
    }

    /// Adds an SA. Our initiator SAs are indexed by peer at once (acquires join them); a responder's
    /// only once it is established (`indexByPeer`), so a flood of half-open MM1 costs no peer index.
    mutating func insert(_ sa: Phase1SA) {
        byHandle[sa.handle] = sa
        if sa.responderCookie.isZero {
            awaitingResponderCookie[sa.initiatorCookie] = sa.handle
        } else {
            byCookies[sa.cookies] = sa.handle
        }
        if sa.role == .initiator { indexByPeer(sa) }
    }

    /// Makes the SA findable by its peer and by its address pair.
    mutating func indexByPeer(_ sa: Phase1SA) {
        byPeer[sa.remote.address, default: []].insert(sa.handle)
        byAddresses[AddressPair(local: sa.local.address, remote: sa.remote.address), default: []].insert(sa.handle)
    }

    /// The responder's cookie arrived: the SA is found by the full pair from now on.
    mutating func learnedResponderCookie(_ sa: Phase1SA) {
        if awaitingResponderCookie[sa.initiatorCookie] == sa.handle { awaitingResponderCookie[sa.initiatorCookie] = nil }
        byCookies[sa.cookies] = sa.handle
    }

    /// The SA's endpoints changed (NAT-T floating, a new NAT mapping): the indexes follow. `old` is
    /// the address pair it had.
    mutating func moved(_ sa: Phase1SA, from old: AddressPair) {
        guard byPeer[old.remote]?.remove(sa.handle) != nil else { return } // not indexed by peer yet
        if byPeer[old.remote]?.isEmpty == true { byPeer[old.remote] = nil }
        byAddresses[old]?.remove(sa.handle)
        if byAddresses[old]?.isEmpty == true { byAddresses[old] = nil }
        indexByPeer(sa)
    }

    mutating func remove(_ sa: Phase1SA) {
        guard byHandle.removeValue(forKey: sa.handle) != nil else { return }
        if byCookies[sa.cookies] == sa.handle { byCookies[sa.cookies] = nil }
        if awaitingResponderCookie[sa.initiatorCookie] == sa.handle { awaitingResponderCookie[sa.initiatorCookie] = nil }
        guard byPeer[sa.remote.address]?.remove(sa.handle) != nil else { return }
        if byPeer[sa.remote.address]?.isEmpty == true { byPeer[sa.remote.address] = nil }
        let pair = AddressPair(local: sa.local.address, remote: sa.remote.address)
        byAddresses[pair]?.remove(sa.handle)
        if byAddresses[pair]?.isEmpty == true { byAddresses[pair] = nil }
    }
}
