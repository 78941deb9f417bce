import ArgumentParser
import IKEConfig

/// `in.iked`: the IKEv1 daemon. This version checks configurations (`-c`); negotiation arrives with the
/// engine.
@main
struct InIked: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "in.iked",
        abstract: "IKEv1 key management daemon (Solaris in.iked).",
        discussion: """
            Files: /etc/inet/ike/config (rules), /etc/inet/secret/ike.preshared (pre-shared keys, mode 0600). \
            With -c the configuration is checked, every error is printed as file:line:column, and the exit \
            status is 0 when it is valid and 1 otherwise.
            """
    )

    @Flag(name: .customShort("c"), help: "Check the configuration file (and ike.preshared when a rule needs it), then exit.")
    var check = false

    @Flag(name: .customShort("d"), help: "Debug: stay in the foreground and log everything.")
    var debug = false

    @Option(name: .customShort("f"), help: ArgumentHelp("Configuration file.", valueName: "file"))
    var file: String?

    @Option(name: .customShort("p"), help: ArgumentHelp("Administrative privilege level: 0/base, 1/modkeys, 2/keymat.", valueName: "level"))
    var privilege: String?

    @Option(name: .long, help: ArgumentHelp("Prefix for every default path (tests and unprivileged runs).", valueName: "dir"))
    var root: String = ""

    @Option(name: .long, help: ArgumentHelp("Pre-shared key file.", valueName: "file"))
    var preshared: String?

    func validate() throws {
        if let privilege, !["0", "1", "2", "base", "modkeys", "keymat"].contains(privilege.lowercased()) {
            throw ValidationError("-p takes 0, 1, 2, base, modkeys or keymat, not '\(privilege)'")
        }
    }

    func run() throws {
        guard check else {
            print("in.iked: this version can only check configurations (in.iked -c); the negotiation daemon is not in it yet")
            throw ExitCode(2)
        }
        let paths = ConfigurationPaths(root: root, config: file, preshared: preshared)
        let outcome = ConfigurationCheck.run(paths)
        for diagnostic in outcome.diagnostics { print(diagnostic) }
        guard outcome.isValid else { throw ExitCode(1) }
        let rules = outcome.configuration?.rules.count ?? 0
        let keys = outcome.presharedKeys.map { ", \($0.entries.count) pre-shared keys" } ?? ""
        print("\(paths.config): valid (\(rules) rules\(keys))")
    }
}
