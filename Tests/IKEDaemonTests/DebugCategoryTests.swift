import IKEDaemon
import Testing

@Suite("Solaris debug categories")
struct DebugCategoryTests {
    @Test("numbers and +/- name lists, as ikeadm and SMF take them", arguments: [
        ("phase1+phase2+policy", UInt32(0x58)), ("all-op", 0x7FB), ("0x20", 0x20), ("010", 8), ("12", 12), ("op", 4), ("-op", 0), ("p1+p2-p1", 0x10),
    ])
    func parsing(_ text: String, _ value: UInt32) {
        #expect(DebugCategories(parsing: text)?.rawValue == value)
    }

    @Test("unknown names are refused", arguments: ["verbose", "p1+nonsense", "0xZZ"])
    func refused(_ text: String) { #expect(DebugCategories(parsing: text) == nil) }
}
