import ArgumentParser
import IKEConfig
import IKEKernel
import IPsecTypes

/// `ipsecconf`: loads ipsecinit.conf entries into the kernel's IPsec policy (XFRM), lists, deletes
/// and flushes them, and checks files (Solaris ipsecconf(8)).
@main
struct IPsecConf: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ipsecconf",
        abstract: "Configure system-wide IPsec policy (Solaris ipsecconf).",
        discussion: """
            Without options, lists the file policy entries loaded (with their index). -a adds the \
            entries of a file (all or none: an error in any entry loads nothing); -c checks a file \
            without loading it; -d removes an entry by index; -f (or -F) flushes the policy; -l lists \
            the kernel's policy entries in the order they are applied. Errors name file:line:column. \
            The loaded entries are kept in /var/run/ipsecpolicy.conf, where in.iked reads its Quick Mode proposals.
            """
    )

    @Option(name: .customShort("a"), help: ArgumentHelp("Add the policy entries of a file.", valueName: "file"))
    var add: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("Check a file's syntax and translation without loading it.", valueName: "file"))
    var check: String?

    @Option(name: .customShort("d"), help: ArgumentHelp("Delete the entry with this index.", valueName: "index"))
    var delete: Int?

    @Flag(name: .customShort("f"), help: "Flush the IPsec policy.")
    var flush = false

    @Flag(name: .customShort("F"), help: "Flush all IPsec policy (with -a: flush, then add).")
    var flushAll = false

    @Flag(name: .customShort("l"), help: "List the kernel's policy entries in the order they are applied.")
    var list = false

    @Flag(name: .customShort("n"), help: "Numeric output (addresses are always printed as numbers).")
    var numeric = false

    @Flag(name: .customShort("q"), help: "Quiet: no warnings.")
    var quiet = false

    @Option(name: .long, help: ArgumentHelp("Prefix for /var/run/ipsecpolicy.conf (tests).", valueName: "dir"))
    var root: String = ""

    var statePath: String { ConfigurationPaths(root: root).activePolicy }

    func validate() throws {
        let actions = [add != nil, check != nil, delete != nil, list].filter { $0 }.count
        if actions > 1 { throw ValidationError("give one of -a, -c, -d, -l") }
        if check != nil, flush || flushAll { throw ValidationError("-c does not combine with a flush") }
    }

    func run() throws {
        if let check {
            let entries = try parse(check)
            _ = try translate(entries, firstIndex: 1)
            print("\(check): \(entries.count) entr\(entries.count == 1 ? "y" : "ies"), valid")
            return
        }
        if add == nil, delete == nil, !list, !flush, !flushAll {
            let active = try readState()
            for item in active.items {
                print("#INDEX \(item.index)")
                print(IPsecPolicyPrinter.text(item.entry))
                print("")
            }
            return
        }
        let kernel = try openKernel()
        if flush || flushAll {
            try kernelStep("flush") { () throws(KernelError) in try kernel.flushPolicies() }
            try saveState(ActivePolicy())
        }
        if let add { try load(add, into: kernel) }
        if let delete { try remove(delete, from: kernel) }
        if list { printKernelPolicies(kernel) }
    }

    // MARK: Steps

    private func load(_ file: String, into kernel: XFRMKernel) throws {
        let before = try readState()
        let entries = try parse(file)
        let translated = try translate(entries, firstIndex: before.nextIndex)
        // The entries are recorded before the kernel has them: in.iked re-reads this file when it is
        // told of the new policy, and must find the proposals for it there.
        var active = before
        active.items += translated.map(\.0)
        try saveState(active)
        var installed: [KernelPolicy] = []
        for (item, policies) in translated {
            for policy in policies {
                do {
                    installed.append(try kernel.installPolicy(policy))
                } catch {
                    // All or nothing: what this run added goes again.
                    for done in installed { try? kernel.deletePolicy(done) }
                    try saveState(before)
                    let location = item.entry.location
                    print("ipsecconf: \(location.file):\(location.lineAndColumn): the kernel refused \(policy.direction.rawValue) policy \(policy.selector): \(error)")
                    throw ExitCode(1)
                }
            }
        }
        if !quiet {
            print("ipsecconf: \(translated.count) entr\(translated.count == 1 ? "y" : "ies") from \(file) loaded as \(installed.count) kernel polic\(installed.count == 1 ? "y" : "ies")")
        }
    }

    private func remove(_ index: Int, from kernel: XFRMKernel) throws {
        var active = try readState()
        let policies = (kernel.policies ?? []).filter { PolicyTranslation.entryIndex(of: $0) == index }
        guard active.items.contains(where: { $0.index == index }) || !policies.isEmpty else {
            print("ipsecconf: no policy entry with index \(index)")
            throw ExitCode(1)
        }
        for policy in policies {
            try kernelStep("delete") { () throws(KernelError) in try kernel.deletePolicy(policy) }
        }
        active.items.removeAll { $0.index == index }
        try saveState(active)
    }

    private func printKernelPolicies(_ kernel: XFRMKernel) {
        let policies = (kernel.policies ?? []).sorted { ($0.priority, $0.index) < ($1.priority, $1.index) }
        let entries = (try? readState().items) ?? []
        for policy in policies {
            let fileIndex = PolicyTranslation.entryIndex(of: policy)
            var line = "#INDEX \(policy.index) \(policy.direction.rawValue) priority \(policy.priority)"
            if let fileIndex, entries.contains(where: { $0.index == fileIndex }) { line += " (entry \(fileIndex))" }
            print(line)
            var text = "\(policy.selector) \(policy.action.rawValue)"
            for template in policy.templates {
                text += " \(template.protocolID == .esp ? "esp" : "ah") \(template.mode.rawValue) reqid \(template.reqid)"
                if let source = template.tunnelSource, let destination = template.tunnelDestination { text += " \(source)->\(destination)" }
            }
            print(text)
            print("")
        }
    }

    // MARK: Helpers

    private func parse(_ file: String) throws -> [PolicyEntry] {
        switch ConfigFileReader.read(file) {
        case .failure(let problem):
            print("ipsecconf: \(problem)")
            throw ExitCode(1)
        case .success(let text):
            let parsed = IPsecPolicyParser.parse(text, file: file)
            guard parsed.diagnostics.isEmpty else {
                for diagnostic in parsed.diagnostics { print(diagnostic) }
                throw ExitCode(1)
            }
            return parsed.entries
        }
    }

    private func translate(_ entries: [PolicyEntry], firstIndex: Int) throws -> [(ActivePolicy.Item, [KernelPolicy])] {
        var result: [(ActivePolicy.Item, [KernelPolicy])] = []
        var failed = false
        for (offset, entry) in entries.enumerated() {
            let index = firstIndex + offset
            do {
                result.append((ActivePolicy.Item(index: index, entry: entry), try PolicyTranslation.policies(for: entry, index: index, tunnels: { TunnelInterfaces.endpoints(of: $0) })))
            } catch {
                print("\(entry.location): \(error)")
                failed = true
            }
        }
        if failed { throw ExitCode(1) }
        return result
    }

    private func openKernel() throws -> XFRMKernel {
        do {
            return try XFRMKernel(probe: false)
        } catch {
            print("ipsecconf: \(error)")
            throw ExitCode(1)
        }
    }

    private func kernelStep(_ what: String, _ body: () throws(KernelError) -> Void) throws {
        do {
            try body()
        } catch {
            print("ipsecconf: \(what): \(error)")
            throw ExitCode(1)
        }
    }

    private func readState() throws -> ActivePolicy {
        do {
            return try ActivePolicy.read(statePath)
        } catch {
            print("ipsecconf: \(error)")
            throw ExitCode(1)
        }
    }

    private func saveState(_ active: ActivePolicy) throws {
        if let problem = active.write(statePath) {
            print("ipsecconf: \(problem)")
            throw ExitCode(1)
        }
    }
}
