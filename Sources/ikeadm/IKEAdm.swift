import ArgumentParser
import Foundation
import IKEDaemon

/// `ikeadm`: talk to a running in.iked. With a command it runs that command; without one it reads
/// commands at an `ikeadm> ` prompt until `exit` or `quit` (an error does not end the session).
@main
struct IKEAdm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ikeadm",
        abstract: "Manage the running IKE daemon.",
        discussion: IKEAdm.helpText
    )

    static let helpText = """
        Commands:
          get debug | priv | stats | defaults | rule <label>
          get preshared <local> <remote> | <type> <local> <type> <remote>
          get p1 <icookie> <rcookie> | <local> <remote>
          set debug <level> [file] | priv <level>    (file: where debug records go; SIGHUP reopens it)
          dump p1 | sa | rule | preshared | certcache | groups | encralgs | authalgs
          add rule <file> | { <rule> }
          add preshared <file> | { <entry> }    (inline entries: interactive mode, as Solaris)
          del p1 <icookie> <rcookie> | <local> <remote>
          del sa <peer> | rule <label> | preshared <local> <remote> | <type> <local> <type> <remote>
          flush p1 | certcache
          read rule [file] | preshared [file]
          write rule <file> | preshared <file>    (a new file, mode 0600; never overwrites)
          initiate <src> <dst>
          token login | logout
          help, exit, quit
          dump keys    (keymat: the Phase 1 key table that ikedump --keys and Wireshark read)
        initiate, dump sa and dump keys go beyond Solaris: initiate acts as if the kernel had asked for SAs
        for traffic src -> dst; dump sa lists the IPsec SAs the daemon negotiated (never keys).
        """

    @Flag(name: .customShort("n"), help: "Do not look up names: host arguments must be addresses (ikeadm prints addresses only).")
    var numeric = false

    @Flag(name: .customShort("p"), help: "Paranoid: print key material as X.")
    var paranoid = false

    @Flag(name: .long, help: "Print the answer as one JSON document ({\"ok\":…,\"data\"|\"message\"|\"error\":…}) for scripts.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The daemon's control socket.", valueName: "path"))
    var door: String?

    @Option(name: .long, help: ArgumentHelp("Prefix for the default control socket path.", valueName: "dir"))
    var root: String = ""

    @Argument(help: "The command and its arguments (none: interactive).")
    var command: [String] = []

    func run() throws {
        let path = door ?? (root.hasSuffix("/") ? String(root.dropLast()) : root) + "/var/run/ike_door"
        if !command.isEmpty {
            guard perform(command, socket: path) else { throw ExitCode(1) }
            return
        }
        // Solaris ikeadm says at once when there is no daemon to talk to.
        if !ControlSocket.isAnswered(path) {
            print("ikeadm: in.iked is not running (nothing answers on \(path)); commands fail until it is started")
        }
        while true {
            print("ikeadm> ", terminator: "")
            guard let line = readLine() else { break }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            if words.isEmpty { continue }
            if words == ["exit"] || words == ["quit"] { break }
            _ = perform(words, line: line, socket: path)
        }
    }

    /// Runs one command; prints its answer; false on error. `line` is the typed line in interactive
    /// mode, whose quoting survives (the shell has removed it from command-line words).
    func perform(_ words: [String], line: String? = nil, socket path: String, quiet: Bool = false) -> Bool {
        switch words {
        case ["help"]:
            print(Self.helpText)
            return true
        case ["token", "login"], ["token", "logout"]:
            print("ikeadm: token \(words[1]) is not supported: this in.iked has no PKCS#11 library")
            return false
        default:
            break
        }
        if words.count == 4, words[0] == "get" || words[0] == "del", words[1] == "p1", !words[2].hasPrefix("0x") {
            let pairs = HostAddresses.pairs(local: HostAddresses.resolve(words[2], numericOnly: numeric),
                                            remote: HostAddresses.resolve(words[3], numericOnly: numeric))
            if pairs.count != 1 || pairs[0] != (words[2], words[3]) {
                guard !pairs.isEmpty else {
                    let hint = numeric ? " (-n: names are not looked up)" : ""
                    print("ikeadm: cannot resolve \(words[2]) and \(words[3]) to addresses of one family\(hint)")
                    return false
                }
                // Each pair is asked on its own; only pairs with an SA answer.
                let found = pairs.filter { perform([words[0], "p1", $0.0, $0.1], socket: path, quiet: true) }
                if found.isEmpty { print("ikeadm: Could not find requested phase 1 SA.") }
                return !found.isEmpty
            }
        }
        // Typed lines go as typed (a rule label may hold several blanks); shell words are joined.
        var request = line?.trimmingCharacters(in: .whitespaces) ?? words.joined(separator: " ")
        if words.count == 3, words[0] == "add", words[1] == "preshared", !words[2].hasPrefix("{") {
            // A file of entries: read here, sent as text (the daemon may not see the client's files).
            guard let text = try? String(contentsOfFile: words[2], encoding: .utf8) else {
                print("ikeadm: cannot read \(words[2])")
                return false
            }
            request = "add preshared " + text.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: " ")
        }
        // A file the command names is opened here, with the user's rights, and passed to the daemon
        // (which opens no path a client names); a relative name is the one beside the user.
        var passed: (fd: Int32, path: String, use: ClientFile.Use)?
        if let (file, use) = AdminFileOpener.file(in: words) {
            let absolute = AdminFileOpener.absolute(file)
            switch AdminFileOpener.open(absolute, for: use) {
            case .failure(let problem):
                print("ikeadm: \(problem)")
                return false
            case .success(let fd):
                passed = (fd, absolute, use)
                request = (words.dropLast() + [absolute]).joined(separator: " ")
            }
        }
        defer { if let passed { close(passed.fd) } }
        if words.count >= 3, words[0] == "add", words[1] == "rule" {
            guard let rules = Self.ruleText(words, line: line) else {
                print("ikeadm: cannot read \(words[2])")
                return false
            }
            request = "add rule \(rules.source)\n\(rules.text)"
        }
        if json { request = "json " + request }
        let answer: String
        do {
            answer = try ControlSocket.request(request, socket: path, passing: passed?.fd)
        } catch {
            if let passed, passed.use == .write { unlink(passed.path) }
            print("ikeadm: \(error)")
            return false
        }
        guard answer.hasPrefix("OK") else {
            // The write target was created for this command only: nothing written, nothing left.
            if let passed, passed.use == .write { unlink(passed.path) }
            let message = answer.hasPrefix("ERROR ") ? String(answer.dropFirst(6)) : answer
            if !quiet { print(json ? message : "ikeadm: \(message)") }
            return false
        }
        // "OK" and its newline; a blank line the layout starts with (Solaris's dumps do) stays.
        var rest = answer.dropFirst(2)
        if rest.first == "\n" { rest = rest.dropFirst() }
        var body = String(rest)
        if paranoid { body = json ? Self.maskJSONKeys(body) : Self.maskKeys(body, table: words == ["dump", "keys"]) }
        if !body.isEmpty { print(body) }
        return true
    }

    /// The text and its name for `add rule { … }` or `add rule <file>`; nil when the file cannot be read.
    static func ruleText(_ words: [String], line: String?) -> (source: String, text: String)? {
        guard words[2].hasPrefix("{") else {
            // A file: read here and sent as text (the daemon may not see the client's files).
            guard let text = try? String(contentsOfFile: words[2], encoding: .utf8) else { return nil }
            return (words[2], text)
        }
        if let line, let brace = line.firstIndex(of: "{") { return ("(interactive)", String(line[brace...])) }
        // From the shell: the values after label, local_id and remote_id lost their quotes.
        var text: [String] = []
        for (index, word) in words.enumerated().dropFirst(2) {
            let quoted = ["label", "local_id", "remote_id"].contains(words[index - 1]) && !word.hasPrefix("\"")
            text.append(quoted ? "\"" + word.replacingOccurrences(of: "\"", with: "\\\"") + "\"" : word)
        }
        return ("(command line)", text.joined(separator: "\n"))
    }

    /// The JSON members that hold key material.
    static let jsonKeyMembers: Set<String> = ["key", "preshared_key", "skeyid", "skeyid_d", "skeyid_a", "skeyid_e", "encryption_key"]

    /// ikeadm -p for --json: the values of key members become X (the document is re-serialised with
    /// sorted member names).
    static func maskJSONKeys(_ text: String) -> String {
        func mask(_ value: Any, member: String?) -> Any {
            if let object = value as? [String: Any] {
                return object.reduce(into: [String: Any]()) { $0[$1.key] = mask($1.value, member: $1.key) }
            }
            if let array = value as? [Any] { return array.map { mask($0, member: nil) } }
            if let string = value as? String, let member, jsonKeyMembers.contains(member) { return String(repeating: "X", count: string.count) }
            return value
        }
        guard let document = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
              let masked = try? JSONSerialization.data(withJSONObject: mask(document, member: nil), options: [.sortedKeys, .withoutEscapingSlashes]) else {
            // Not a document: show nothing rather than keys.
            return "{\"ok\":false,\"error\":\"unreadable answer\"}"
        }
        return String(decoding: masked, as: UTF8.self)
    }

    /// Replaces the digits of key material with X (ikeadm -p).
    static func maskKeys(_ text: String, table: Bool = false) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            // A key table's key is its last field; elsewhere keys follow the last colon of a key line.
            let start: Substring.Index?
            if table {
                start = line.hasPrefix("#") ? nil : line.lastIndex(of: " ")
            } else {
                start = line.hasPrefix("PSKEY: Pre-shared key") || line.hasPrefix("KEY:") ? line.lastIndex(of: ":") : nil
            }
            guard let start else { return String(line) }
            // Solaris prints a key as hex then "/bits": only the hex becomes X.
            var inKey = true
            return String(line[...start]) + String(line[line.index(after: start)...].map { character -> Character in
                if character == "/" { inKey = false }
                return !inKey || character == " " ? character : "X"
            })
        }.joined(separator: "\n")
    }
}
