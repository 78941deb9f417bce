import ArgumentParser
import Foundation
import IKEDump

/// `ikedump`: decode the ISAKMP messages of a pcap/pcapng capture, decrypting them with known keys.
@main
struct IKEDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ikedump",
        abstract: "Decode IKEv1 (ISAKMP) messages from a pcap or pcapng capture.",
        discussion: """
            Reads UDP 500 and 4500 (with the non-ESP marker) over IPv4 and IPv6 from Ethernet, Linux \
            cooked (v1, v2), raw IP and loopback captures. With --keys, encrypted messages are decrypted \
            by following each ISAKMP SA's IV chain. The key table has one line per SA: \
            'ICOOKIE RCOOKIE ALGORITHM KEY' (hex; algorithm des, 3des, blowfish or aes), or Wireshark's \
            'ICOOKIE,KEY'.
            """
    )

    @Argument(help: "The capture file.")
    var capture: String

    @Option(name: .long, help: "Key table for decryption.")
    var keys: String?

    @Flag(name: .long, help: "Print one JSON object per message.")
    var json = false

    @Flag(name: .long, help: "Exit with status 2 when any message was malformed or could not be decrypted.")
    var strict = false

    func run() throws {
        guard let bytes = FileManager.default.contents(atPath: capture) else {
            throw ValidationError("cannot read \(capture)")
        }
        var table = KeyTable()
        if let keys {
            guard let data = FileManager.default.contents(atPath: keys) else { throw ValidationError("cannot read \(keys)") }
            do {
                table = try KeyTable(text: String(decoding: data, as: UTF8.self), source: keys)
            } catch {
                throw ValidationError(error.description)
            }
        }
        var dumper = Dumper(options: DumpOptions(json: json, keys: table))
        let summary = dumper.dump(capture: Array(bytes)) { print($0) }
        // The summary goes to stderr; flush the report first so the two never interleave on a terminal.
        fflush(nil)
        let undecrypted = summary.encrypted - summary.decrypted
        let closing = "\(summary.messages) messages, \(summary.malformed) malformed, \(summary.decrypted) of \(summary.encrypted) encrypted decrypted"
        FileHandle.standardError.write(Data((closing + "\n").utf8))
        if let error = summary.captureError {
            FileHandle.standardError.write(Data("capture damaged: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if strict, summary.malformed > 0 || (table.entries.isEmpty ? false : undecrypted > 0) {
            throw ExitCode(2)
        }
    }
}
