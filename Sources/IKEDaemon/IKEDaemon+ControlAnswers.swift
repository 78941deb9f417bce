import CIKESupport
import Dispatch
import IKEConfig
import IKECrypto
import IKEEngine
import IKEKernel
import IPsecTypes
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's side of ikeadm requests: the files a request passed, and the answer to each command
/// (text in the Solaris layouts, or JSON), run on the daemon's loop.
extension IKEDaemon {
    /// The ports `get defaults` shows: the ones this daemon listens on.
    var ports: AdminText.Ports { AdminText.Ports(ike: options.port, natTraversal: options.natTraversalPort) }

    /// The file the request being answered passed, checked for `use` (the daemon opens no path a
    /// client names: ikeadm opened it with the user's rights).
    func clientFile(_ name: String, for use: ClientFile.Use) -> Result<ClientFile, DaemonError> {
        defer { passedDescriptor = nil }
        return ClientFile.accept(passedDescriptor, name: name, for: use)
    }

    /// `ikeadm write`: the text into the file the client created (new, 0600) and passed; nil on success.
    func writeClientFile(_ text: String, to name: String) -> DaemonError? {
        switch clientFile(name, for: .write) {
        case .failure(let problem): return problem
        case .success(let file): return file.write(text)
        }
    }

    /// Accepts a new ikeadm client; it is served as its bytes arrive (see `serve`).
    func serveControlClient() {
        let fd = ike_accept(controlFD)
        guard fd >= 0 else { return }
        let client = ControlConnection(fd: fd, deadline: MonotonicClock.now() + Self.controlClientNanoseconds)
        if !ControlSocket.peerIsAuthorized(fd, group: options.controlGroup) {
            client.answer("ERROR permission denied: the control socket is for root, the daemon's user and the control group")
        } else if controlClients.count >= Self.maximumControlClients {
            client.answer("\(ControlSocket.busyAnswer): \(Self.maximumControlClients) ikeadm clients are being served")
        }
        controlClients.append(client)
        if client.isAnswering { serve(client) }
    }

    /// Moves one client on: read its request, answer it, send the answer; finished clients go.
    func serve(_ client: ControlConnection) {
        if !client.isAnswering {
            switch client.readAvailable(limit: ControlSocket.maximumRequest) {
            case .waiting: return
            case .closed:
                controlClients.removeAll { $0 === client }
                return
            case .malformed: client.answer("ERROR malformed or oversized request")
            case .request(let request):
                passedDescriptor = client.takePassedDescriptor()
                client.answer(answer(request))
                if let unused = passedDescriptor, unused >= 0 { close(unused) }
                passedDescriptor = nil
            }
        }
        if client.flush() { controlClients.removeAll { $0 === client } }
    }

    /// Carries out a control command; the text starts with OK or ERROR. `IKEADM/1 json <command>`
    /// answers with a JSON document instead: `{"ok":true,"data":…}` for queries, `{"ok":true,"message":…}`
    /// for actions, `{"ok":false,"error":…}` (after ERROR) on failure.
    func answer(_ request: String) -> String {
        let jsonPrefix = ControlSocket.version + " json "
        guard request.hasPrefix(jsonPrefix) else { return textAnswer(request) }
        let plain = ControlSocket.version + " " + request.dropFirst(jsonPrefix.count)
        let text = textAnswer(plain)
        guard text.hasPrefix("OK") else {
            return "ERROR " + Field.object([("ok", .bool(false)), ("error", .string(String(text.dropFirst(6))))]).json
        }
        var result: (String, Field) = ("message", .string(String(text.dropFirst(2).drop { $0 == "\n" })))
        if case .success(let command) = ControlCommands.parse(plain), let data = jsonData(command) { result = ("data", data) }
        return "OK\n" + Field.object([("ok", .bool(true)), result]).json
    }

    /// The document for a query that succeeded (nil for actions, which answer with their message).
    func jsonData(_ command: ControlCommands.Command) -> Field? {
        let keymat = privilege == .keymat
        let configuration = engine.settings.configuration
        switch command {
        case .dumpPhase1: return .array(engine.phase1Summaries.map { AdminJSON.phase1($0, showKeys: keymat) })
        case .getPhase1(let selector): return .array(engine.phase1Summaries.filter(selector.matches).map { AdminJSON.phase1($0, showKeys: keymat) })
        case .dumpSAs: return .array(engine.ipsecSummaries.map(AdminJSON.ipsec))
        case .getStatistics: return AdminJSON.statistics(engine.statistics)
        case .getPrivilege, .setPrivilege: return AdminJSON.privilege(privilege)
        case .getDebug, .setDebug: return AdminJSON.debug(debugCategories, logFile: options.logFile.path)
        case .dumpRules: return .array(configuration.rules.map { AdminJSON.rule($0, in: configuration) })
        case .getRule(let label): return .array(configuration.rules.filter { $0.label == label }.map { AdminJSON.rule($0, in: configuration) })
        case .dumpPreshared: return .array(engine.settings.presharedKeys.entries.map { AdminJSON.preshared($0, showKey: keymat) })
        case .getPreshared(let selector):
            return .array(engine.settings.presharedKeys.entries.filter(selector.matches).prefix(1).map { AdminJSON.preshared($0, showKey: keymat) })
        case .dumpKeys: return AdminJSON.keyTable(engine.phase1Summaries)
        case .getDefaults: return AdminJSON.defaults(configuration, ports: ports)
        case .dumpCertificateCache: return .array(certificateCache.entries.map(AdminJSON.certificate))
        case .dumpGroups:
            return .array(AlgorithmTables.groups.map { .object([("value", AdminJSON.number($0.value)), ("strength", AdminJSON.number($0.strength)), ("name", .string($0.name))]) })
        case .dumpCiphers:
            return .array(AlgorithmTables.ciphers.map {
                .object([("value", AdminJSON.number($0.value)), ("name", .string($0.name)),
                         ("key_bits_min", AdminJSON.number($0.keyBits.lowerBound)), ("key_bits_max", AdminJSON.number($0.keyBits.upperBound))])
            })
        case .dumpHashes: return .array(AlgorithmTables.hashes.map { .object([("value", AdminJSON.number($0.value)), ("name", .string($0.name))]) })
        default: return nil
        }
    }

    func textAnswer(_ request: String) -> String {
        switch ControlCommands.parse(request) {
        case .failure(let error):
            return "ERROR \(error.message)"
        case .success(let command):
            switch command {
            case .dumpPhase1: return "OK\n" + ControlCommands.phase1(engine.phase1Summaries, showKeys: privilege == .keymat)
            case .dumpCertificateCache: return "OK\n" + ControlCommands.certificateCache(certificateCache)
            case .dumpGroups: return "OK\n" + AlgorithmTables.groupsText
            case .dumpCiphers: return "OK\n" + AlgorithmTables.ciphersText
            case .dumpHashes: return "OK\n" + AlgorithmTables.hashesText
            case .flushCertificateCache:
                rescanCertificates()
                return "OK\nSuccessfully flushed certificate cache (\(certificateCache.entries.count) certificates read from the store)."
            case .dumpKeys:
                guard privilege == .keymat else { return "ERROR Operation not permitted: key material needs privilege level keymat (in.iked -p keymat)" }
                return "OK\n" + ControlCommands.keyTable(engine.phase1Summaries)
            case .dumpSAs: return "OK\n" + ControlCommands.ipsec(engine.ipsecSummaries)
            case .getStatistics:
                // The kernel port's view: what it installed, and what it received and could not use.
                let kernelLine = "Kernel (\(kernel.name)): \(kernel.installed.count) SAs installed, \(kernel.malformedMessages) malformed or unexpected messages ignored"
                return "OK\n" + ControlCommands.statistics(engine.statistics) + "\n" + kernelLine
            case .initiate(let source, let destination):
                let made = InitiateRequest.make(source: source, destination: destination, kernelPolicies: kernel.policies, settings: engine.settings) { [options] name in
                    options.tunnels[name] ?? TunnelInterfaces.endpoints(of: name).map { TunnelEndpoints(local: $0.local, remote: $0.remote) }
                }
                switch made {
                case .failure(let problem): return "ERROR \(problem)"
                case .success(let request):
                    execute(engine.handle(.acquire(request), at: now))
                    let endpoints = request.localAddress == source && request.remoteAddress == destination ? "" : " (IKE \(request.localAddress) -> \(request.remoteAddress))"
                    return "OK\nInitiated negotiation \(source) -> \(destination)\(endpoints)"
                }
            case .deleteSAs(let peer):
                execute(engine.handle(.deleteIPsecSAs(peer: peer), at: now))
                return "OK\nSuccessfully deleted IPsec SAs with \(peer)"
            case .getDebug: return "OK\n" + AdminText.debug(debugCategories) + logFileLine
            case .setDebug(let categories, let file):
                if let file {
                    switch clientFile(file, for: .append) {
                    case .failure(let problem): return "ERROR \(problem)"
                    case .success(let log): options.logFile.adopt(log.release(), name: file)
                    }
                }
                let old = debugCategories
                debugCategories = categories
                return "OK\nSuccessfully changed debug level from \(AdminText.hex(old.rawValue)) to \(AdminText.hex(categories.rawValue))\n"
                    + AdminText.debug(categories) + logFileLine
            case .getPrivilege: return "OK\n" + AdminText.privilege(privilege)
            case .setPrivilege(let level):
                // Levels only go down while the daemon runs (spec §4.3); raising needs a restart with -p.
                guard level <= privilege else {
                    return "ERROR Could not change privilege level: insufficient privilege (the level can only be lowered while in.iked runs)"
                }
                let old = privilege
                privilege = level
                return "OK\nSuccessfully changed privilege level from \(AdminText.hex(old.rawValue)) to \(AdminText.hex(level.rawValue))\n" + AdminText.privilege(level)
            case .getDefaults: return "OK\n" + AdminText.defaults(engine.settings.configuration, ports: ports)
            case .dumpRules:
                let configuration = engine.settings.configuration
                let blocks = configuration.rules.map { AdminDumps.rule($0, in: configuration) }
                return "OK\n" + (blocks + ["Completed dump of rules (\(blocks.count))"]).joined(separator: "\n\n")
            case .getRule(let label):
                let configuration = engine.settings.configuration
                guard let rule = configuration.rules.first(where: { $0.label == label }) else { return "ERROR Could not find requested rule." }
                return "OK\n" + AdminDumps.rule(rule, in: configuration)
            case .dumpPreshared, .getPreshared:
                // Preshared-key operations need modkeys; the keys themselves need keymat (spec §4.3).
                guard privilege >= .modkeys else {
                    return Self.presharedNotPermitted
                }
                let keys = engine.settings.presharedKeys
                if case .getPreshared(let selector) = command {
                    guard let entry = keys.entries.first(where: selector.matches) else { return "ERROR Could not find requested preshared key." }
                    return "OK\n" + AdminDumps.preshared(entry, showKey: privilege == .keymat)
                }
                let blocks = keys.entries.map { AdminDumps.preshared($0, showKey: privilege == .keymat) }
                return "OK\n" + (blocks + ["Completed dump of preshared keys (\(blocks.count))"]).joined(separator: "\n\n")
            case .readRules(let file):
                let path = file ?? options.paths.config
                let read: Result<String, DaemonError> = file == nil
                    ? ConfigFileReader.read(path).mapError { DaemonError($0.description) }
                    : clientFile(path, for: .read).flatMap { $0.readAll() }
                switch read {
                case .failure(let problem): return "ERROR \(problem)"
                case .success(let text):
                    let parsed = IKEConfigParser.parse(text, file: path)
                    guard parsed.diagnostics.isEmpty else { return "ERROR " + parsed.diagnostics.map(\.description).joined(separator: "\n") }
                    replace(configuration: parsed.configuration)
                    return "OK\nCompleted read of rule configuration information (\(parsed.configuration.rules.count) rules)."
                }
            case .writeRules(let path):
                let configuration = engine.settings.configuration
                guard !configuration.rules.isEmpty else { return "ERROR No rule configuration information to write." }
                if let problem = writeClientFile(IKEConfigPrinter.text(configuration), to: path) { return "ERROR \(problem)" }
                return "OK\nCompleted write of rule configuration information."
            case .writePreshared(let path):
                guard privilege >= .modkeys else { return Self.presharedNotPermitted }
                let keys = engine.settings.presharedKeys
                guard !keys.entries.isEmpty else { return "ERROR No preshared key information to write." }
                if let problem = writeClientFile(PresharedPrinter.text(keys), to: path) { return "ERROR \(problem)" }
                return "OK\nCompleted write of preshared key information."
            case .deleteRule(let label):
                var configuration = engine.settings.configuration
                guard let index = configuration.rules.firstIndex(where: { $0.label == label }) else { return "ERROR Could not find requested rule." }
                configuration.rules.remove(at: index)
                replace(configuration: configuration)
                return "OK\nSuccessfully deleted selected rule."
            case .addRules(let source, let text):
                switch engine.settings.configuration.adding(rules: text, file: source) {
                case .failure(let problems): return "ERROR " + problems.description
                case .success(let configuration):
                    let added = configuration.rules.count - engine.settings.configuration.rules.count
                    replace(configuration: configuration)
                    return "OK\nSuccessfully created new rule\(added == 1 ? "" : "s")."
                }
            case .readPreshared(let file):
                guard privilege >= .modkeys else { return Self.presharedNotPermitted }
                let path = file ?? options.paths.preshared
                let read: Result<String, DaemonError>
                if file == nil {
                    if let problem = ConfigFileReader.checkSecretMode(path) { return "ERROR \(problem)" }
                    read = ConfigFileReader.read(path).mapError { DaemonError($0.description) }
                } else {
                    read = clientFile(path, for: .read).flatMap { file in
                        // The same rule as for the daemon's own ike.preshared: keys nobody else reads.
                        ConfigFileReader.secretModeProblem(file.mode, name: path).map { .failure(DaemonError($0.description)) } ?? file.readAll()
                    }
                }
                switch read {
                case .failure(let problem): return "ERROR \(problem)"
                case .success(let text):
                    let parsed = PresharedParser.parse(text, file: path)
                    guard parsed.diagnostics.isEmpty else { return "ERROR " + parsed.diagnostics.map(\.description).joined(separator: "\n") }
                    replace(presharedKeys: parsed.keys)
                    return "OK\nCompleted read of preshared configuration information (\(parsed.keys.entries.count) keys)."
                }
            case .addPreshared(let text):
                guard privilege >= .modkeys else { return Self.presharedNotPermitted }
                let parsed = PresharedParser.parse(text, file: "ikeadm")
                guard parsed.diagnostics.isEmpty, !parsed.keys.entries.isEmpty else {
                    return "ERROR " + (parsed.diagnostics.isEmpty ? "no entry given" : parsed.diagnostics.map(\.description).joined(separator: "\n"))
                }
                var keys = engine.settings.presharedKeys
                for entry in parsed.keys.entries where keys.entries.contains(where: { $0.localID == entry.localID && $0.remoteID == entry.remoteID }) {
                    return "ERROR Duplicate entry: a key for \(entry.localID) -> \(entry.remoteID) exists (del preshared first)"
                }
                keys.entries += parsed.keys.entries
                replace(presharedKeys: keys)
                return "OK\nSuccessfully created new preshared key\(parsed.keys.entries.count == 1 ? "" : "s")."
            case .deletePreshared(let selector):
                guard privilege >= .modkeys else { return Self.presharedNotPermitted }
                var keys = engine.settings.presharedKeys
                guard let index = keys.entries.firstIndex(where: selector.matches) else {
                    return "ERROR Could not find requested preshared key."
                }
                keys.entries.remove(at: index)
                replace(presharedKeys: keys)
                return "OK\nSuccessfully deleted selected preshared key."
            case .flushPhase1:
                for summary in engine.phase1Summaries {
                    execute(engine.handle(.deletePhase1(initiatorCookie: summary.initiatorCookie, responderCookie: summary.responderCookie), at: now))
                }
                return "OK\nSuccessfully flushed P1 SAs."
            case .getPhase1(let selector):
                let matching = engine.phase1Summaries.filter(selector.matches)
                guard !matching.isEmpty else { return "ERROR Could not find requested phase 1 SA." }
                return "OK\n" + matching.map { ControlCommands.phase1($0, showKeys: privilege == .keymat) }.joined(separator: "\n\n")
            case .deletePhase1(let selector):
                let matching = engine.phase1Summaries.filter(selector.matches)
                guard !matching.isEmpty else { return "ERROR Could not find requested phase 1 SA." }
                for sa in matching {
                    execute(engine.handle(.deletePhase1(initiatorCookie: sa.initiatorCookie, responderCookie: sa.responderCookie), at: now))
                }
                return "OK\nSuccessfully deleted selected phase 1 SA\(matching.count == 1 ? "" : "s")."
            }
        }
    }

    private var logFileLine: String { options.logFile.path.map { "\nDebug log file: \($0)" } ?? "" }

    /// Preshared-key operations need modkeys; the keys themselves need keymat (spec §4.3).
    static let presharedNotPermitted = "ERROR Operation not permitted: preshared keys need privilege level modkeys or keymat (in.iked -p)"

    /// New rules or keys for the next negotiations; established SAs stay.
    func replace(configuration: IKEConfiguration? = nil, presharedKeys: PresharedKeys? = nil) {
        engine.reload(engine.settings.replacing(configuration: configuration, presharedKeys: presharedKeys))
        // cert_root, cert_trust and ignore_crls decide what the stores are worth.
        if configuration != nil { rescanCertificates() }
    }
}
