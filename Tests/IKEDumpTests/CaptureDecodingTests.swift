import Foundation
@testable import IKEDump
import IKETestSupport
import ISAKMP
import Testing

@Suite("Real captures (strongSwan and Libreswan)")
struct CaptureDecodingTests {
    @Test("every message decodes and decrypts, nothing is malformed", arguments: Fixture.all)
    func decodeAll(_ fixture: Fixture) throws {
        var dumper = Dumper(options: DumpOptions(json: true, keys: try fixture.keyTable()))
        var lines: [String] = []
        let summary = dumper.dump(capture: try fixture.capture()) { lines.append($0) }
        #expect(summary.captureError == nil)
        #expect(summary.malformed == 0)
        #expect(summary.messages >= 9)
        #expect(summary.encrypted > 0)
        #expect(summary.decrypted == summary.encrypted)
        #expect(lines.count == summary.messages)
    }

    @Test("every payload, notify and vendor ID is named", arguments: Fixture.all)
    func everythingNamed(_ fixture: Fixture) throws {
        var dumper = Dumper(options: DumpOptions(json: true, keys: try fixture.keyTable()))
        var unnamed: [String] = []
        var types: Set<String> = []
        _ = dumper.dump(capture: try fixture.capture()) { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let payloads = object["payloads"] as? [[String: Any]]
            else {
                unnamed.append("no payloads: \(line.prefix(200))")
                return
            }
            for payload in payloads {
                let type = payload["type"] as? String ?? "?"
                types.insert(type)
                for key in ["type", "notify", "idType", "encoding"] {
                    if let value = payload[key] as? String, value.hasPrefix("unknown") { unnamed.append("\(key) \(value)") }
                }
                if let vendor = payload["vendor"] as? String, vendor == "unknown" { unnamed.append("vendor \(payload["data"] ?? "")") }
            }
        }
        #expect(unnamed.isEmpty, "\(unnamed)")
        #expect(types.contains("SA (1)") && types.contains("HASH (8)") && types.contains("NONCE (10)"))
    }

    @Test("without keys, encrypted messages are reported as not decrypted, not as malformed")
    func withoutKeys() throws {
        let fixture = Fixture.all[0]
        var dumper = Dumper(options: DumpOptions())
        var text = ""
        let summary = dumper.dump(capture: try fixture.capture()) { text += $0 + "\n" }
        #expect(summary.malformed == 0 && summary.decrypted == 0 && summary.encrypted == 9)
        #expect(text.contains("notDecrypted: no key for cookies 4c2e410741c995a0 ec3822ef4222f432"))
        #expect(text.contains("Identity Protection (Main Mode) (2)"))
    }

    @Test("Wireshark's two-column key table (icookie,key) decrypts too")
    func wiresharkKeyTable() throws {
        let fixture = Fixture.all[0]
        let logged = try fixture.loggedKeys()
        let table = try KeyTable(text: "\(logged["initiatorCookie"] ?? ""),\(logged["encryptionKey"] ?? "")\n")
        var dumper = Dumper(options: DumpOptions(keys: table))
        let summary = dumper.dump(capture: try fixture.capture()) { _ in }
        #expect(summary.decrypted == summary.encrypted && summary.encrypted > 0)
    }

    @Test("a wrong key is reported per message and the dump goes on")
    func wrongKey() throws {
        let fixture = Fixture.all[0]
        let table = try KeyTable(text: "4c2e410741c995a0 ec3822ef4222f432 aes 00000000000000000000000000000000")
        var dumper = Dumper(options: DumpOptions(keys: table))
        var text = ""
        let summary = dumper.dump(capture: try fixture.capture()) { text += $0 + "\n" }
        #expect(summary.decrypted == 0)
        #expect(summary.malformed == summary.encrypted)
        #expect(text.contains("do not decode (wrong key or IV?)"))
        #expect(summary.messages == 13)
    }

    @Test("the JSON output is one valid object per message with header and payloads")
    func jsonLines() throws {
        let fixture = Fixture.all[1]
        var dumper = Dumper(options: DumpOptions(json: true, keys: try fixture.keyTable()))
        var lines: [String] = []
        _ = dumper.dump(capture: try fixture.capture()) { lines.append($0) }
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let header = try #require(object["header"] as? [String: Any])
            #expect(header["initiatorCookie"] as? String != nil)
            #expect(object["payloads"] as? [Any] != nil)
        }
        #expect(lines.contains { $0.contains("\"type\":\"CERT (6)\"") })
        #expect(lines.contains { $0.contains("\"type\":\"SIG (9)\"") })
        #expect(lines.contains { $0.contains("\"idType\":\"ID_DER_ASN1_DN (9)\"") })
    }
}
