import ArgumentParser
import IKEDaemon

/// `ikeadm`: talk to a running in.iked (this version: dump p1, dump sa, get stats, initiate, del).
@main
struct IKEAdm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ikeadm",
        abstract: "Manage the running IKE daemon.",
        discussion: """
            Commands: dump p1 | dump sa | get stats | get debug | set debug <level> | get priv | set priv <level> | \
            get defaults | initiate <src> <dst> | del sa <peer> | del p1 <icookie> <rcookie>. \
            initiate and dump sa go beyond Solaris: initiate acts as if the kernel had asked for SAs for traffic \
            src -> dst; dump sa lists the IPsec SAs the daemon negotiated (never keys).
            """
    )

    @Option(name: .long, help: ArgumentHelp("The daemon's control socket.", valueName: "path"))
    var door: String?

    @Option(name: .long, help: ArgumentHelp("Prefix for the default control socket path.", valueName: "dir"))
    var root: String = ""

    @Argument(help: "The command and its arguments.")
    var command: [String]

    func run() throws {
        let path = door ?? (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/var/run/ike_door"
        let answer: String
        do {
            answer = try ControlSocket.request(command.joined(separator: " "), socket: path)
        } catch {
            print("ikeadm: \(error)")
            throw ExitCode(1)
        }
        if answer.hasPrefix("OK") {
            let body = answer.dropFirst(2).drop { $0 == "\n" }
            if !body.isEmpty { print(body) }
        } else {
            print("ikeadm: \(answer.hasPrefix("ERROR ") ? String(answer.dropFirst(6)) : answer)")
            throw ExitCode(1)
        }
    }
}
