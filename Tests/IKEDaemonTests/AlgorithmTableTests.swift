@testable import IKEDaemon
import Testing

@Suite("dump groups|encralgs|authalgs list what this daemon implements")
struct AlgorithmTableTests {
    @Test("groups: every implemented ike.config group, none that is not (EC2N)")
    func groups() {
        let values = AlgorithmTables.groups.map(\.value)
        #expect(values.contains(14) && values.contains(19) && values.contains(24))
        #expect(!values.contains(3) && !values.contains(4))
        #expect(AlgorithmTables.groups.first { $0.value == 14 }?.strength == 112)
    }

    @Test("ciphers with their key lengths, hashes by IANA number")
    func ciphersAndHashes() {
        #expect(AlgorithmTables.ciphers.map(\.name) == ["des", "blowfish", "3des", "aes"])
        #expect(AlgorithmTables.ciphers.first { $0.name == "aes" }?.keyBits == 128...256)
        #expect(AlgorithmTables.hashes.map(\.value) == [1, 2, 4, 5, 6])
    }
}
