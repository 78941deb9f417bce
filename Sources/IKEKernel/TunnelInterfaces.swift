import CXFRM
import IPsecTypes
#if canImport(Glibc)
import Glibc
#endif

/// The outer addresses of a tunnel interface (ipip, sit, ip6tnl, gre, ip6gre, vti), read over
/// rtnetlink: what ipsecinit.conf's `tunnel <interface>` means on Linux.
public enum TunnelInterfaces {
    /// `namespace`: look in that network namespace instead of the process's own.
    public static func endpoints(of name: String, namespace: String? = nil) -> (local: IPAddress, remote: IPAddress)? {
        guard let socket = try? NetlinkSocket(protocolNumber: NETLINK_ROUTE, namespace: namespace) else { return nil }
        var request = NetlinkRequest(type: UInt16(RTM_GETLINK), flags: 0)
        var info = ifinfomsg()
        info.ifi_family = UInt8(AF_UNSPEC)
        request.append(info)
        request.appendAttribute(UInt16(IFLA_IFNAME), Array(name.utf8) + [0])
        guard let answer = try? socket.transact(request, dump: false).first, answer.type == UInt16(RTM_NEWLINK),
              let attributes = answer.attributes(after: MemoryLayout<ifinfomsg>.size),
              let linkInfo = attributes[UInt16(IFLA_LINKINFO)],
              let nested = nestedAttributes(linkInfo),
              let kindBytes = nested[UInt16(IFLA_INFO_KIND)], let data = nested[UInt16(IFLA_INFO_DATA)].flatMap(nestedAttributes)
        else { return nil }
        let kind = String(decoding: kindBytes.prefix { $0 != 0 }, as: UTF8.self)
        let keys: (UInt16, UInt16)
        switch kind {
        case "ipip", "sit", "ip6tnl": keys = (UInt16(IFLA_IPTUN_LOCAL), UInt16(IFLA_IPTUN_REMOTE))
        case "vti", "vti6": keys = (UInt16(IFLA_VTI_LOCAL), UInt16(IFLA_VTI_REMOTE))
        case "gre", "gretap", "ip6gre", "ip6gretap": keys = (UInt16(IFLA_GRE_LOCAL), UInt16(IFLA_GRE_REMOTE))
        default: return nil
        }
        guard let local = data[keys.0].flatMap({ IPAddress(bytes: Array($0)) }), let remote = data[keys.1].flatMap({ IPAddress(bytes: Array($0)) }),
              local.isIPv4 == remote.isIPv4, local.integerValue != 0, remote.integerValue != 0
        else { return nil }
        return (local, remote)
    }

    private static func nestedAttributes(_ bytes: ArraySlice<UInt8>) -> [UInt16: ArraySlice<UInt8>]? {
        NetlinkReply(type: 0, flags: 0, sequence: 0, payload: bytes).attributes(after: 0)
    }
}
