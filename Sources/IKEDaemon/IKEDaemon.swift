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

/// The in.iked runtime: one thread runs the event loop (poll over the UDP sockets, the control socket
/// and a wake-up pipe) and is the only one touching the engine; DH jobs run on Dispatch's pool and come
/// back through the pipe.
public final class IKEDaemon: @unchecked Sendable {
    // Fields below are touched only by the loop thread, except `inbox` (locked) and `wake`/`running`.
    public let options: DaemonOptions
    let engine: IKEEngine
    let kernel: any KernelPort
    let logger: Logger
    private var sockets: [UDPSocket] = []
    private var controlFD: Int32 = -1
    /// Held (locked) for the daemon's life; removed when it ends.
    private var pidFile: PidFile?
    /// ikeadm clients being served; at most `maximumControlClients`.
    private var controlClients: [ControlConnection] = []
    /// The descriptor the request being answered carried (see `clientFile`).
    private var passedDescriptor: Int32?
    static let maximumControlClients = 32
    /// How long one ikeadm client may take to send its request and read the answer.
    static let controlClientNanoseconds: Int64 = 5_000_000_000
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let origin = MonotonicClock.now()
    private let inbox = Mutex<[Inbound]>([])
    /// Workers for the engine's compute jobs; results come back through the inbox.
    private var computePool: ComputePool!
    private let running = Atomic<Bool>(true)
    private var batch = ReceiveBatch()
    /// Changed only by the loop thread (set debug / set priv).
    private var debugCategories: DebugCategories
    /// The publickeys/ store as read at start, on SIGHUP and on `flush certcache`.
    private var certificateCache = CertificateCache()
    private var privilege: PrivilegeLevel

    /// Work handed to the loop from other threads.
    private enum Inbound: @unchecked Sendable {
        case computed(UInt64, ComputeResult)
        case request(String, reply: @Sendable (String) -> Void)
    }

    /// Loads the configuration files and opens every socket; throws with every problem found.
    public init(options: DaemonOptions, kernel: any KernelPort = InMemoryKernel(), logger: Logger) throws {
        self.options = options
        self.kernel = kernel
        self.logger = logger
        self.debugCategories = options.debugCategories
        self.privilege = options.privilege
        // One instance: before any socket is touched, so a second daemon never disturbs the first.
        pidFile = try options.pidFile.map { path throws(DaemonError) in try PidFile(path: path) }
        let settings = try Self.loadSettings(options, kernelKeepsPolicy: kernel.policies != nil)
        for warning in UnimplementedSettings.warnings(settings.configuration) { logger.warning("\(warning)") }
        engine = IKEEngine(settings: settings, random: SystemRandom())
        engine.kernel = KernelBridge(kernel)
        var pipeFDs: [Int32] = [0, 0]
        let piped = ike_pipe(&pipeFDs)
        guard piped == 0 else { throw DaemonError("pipe: \(String(cString: strerror(-piped)))") }
        wakeRead = pipeFDs[0]
        wakeWrite = pipeFDs[1]
        let addresses = options.listen.isEmpty ? [IPAddress("0.0.0.0"), IPAddress("::")].compactMap { $0 } : options.listen
        for address in addresses {
            do {
                for port in [options.port] + options.extraPorts where !sockets.contains(where: { $0.local.address == address && $0.local.port == port }) {
                    sockets.append(try UDPSocket(address: address, port: port, bypassIPsec: options.bypassIPsec))
                }
            } catch {
                // A host without IPv6 still runs on IPv4; an explicitly requested address must work.
                if options.listen.isEmpty, !address.isIPv4 { logger.warning("no IPv6 socket: \(error)"); continue }
                throw error
            }
        }
        controlFD = try ControlSocket.listen(at: options.controlPath, group: options.controlGroup)
        rescanCertificates()
        if options.handleSignals { _ = ike_signals_to_pipe(wakeWrite) }
        computePool = ComputePool { [weak self] token, result in
            guard let self else { return }
            self.inbox.withLock { $0.append(.computed(token, result)) }
            self.wakeUp()
        }
        logger.info("in.iked listening on \(sockets.map(\.local.description).joined(separator: ", ")), control \(options.controlPath), kernel \(kernel.name)")
    }

    deinit {
        computePool?.stop()
        close(wakeRead)
        close(wakeWrite)
        if controlFD >= 0 {
            close(controlFD)
            unlink(options.controlPath)
        }
    }

    /// Reads ike.config, ike.preshared (when a rule needs it) and the IPsec policy.
    static func loadSettings(_ options: DaemonOptions, kernelKeepsPolicy: Bool) throws -> EngineSettings {
        let outcome = ConfigurationCheck.run(options.paths)
        guard outcome.isValid, let configuration = outcome.configuration else { throw ConfigError(outcome.diagnostics) }
        var settings = EngineSettings(configuration: configuration, presharedKeys: outcome.presharedKeys ?? PresharedKeys(),
                                      policies: try loadPolicies(options, kernelKeepsPolicy: kernelKeepsPolicy), peerPort: options.peerPort, localPort: options.port,
                                      replayWindow: options.replayWindow)
        settings.halfOpenLimits = options.halfOpenLimits
        return settings
    }

    /// The IPsec policy whose actions become Quick Mode proposals: what `ipsecconf` loaded into the
    /// kernel when it did, else ipsecinit.conf. No file: nothing to initiate, and peers' Quick Modes are refused.
    static func loadPolicies(_ options: DaemonOptions, kernelKeepsPolicy: Bool) throws -> [PolicyEntry] {
        let active = options.paths.activePolicy
        let path = kernelKeepsPolicy && ConfigFileReader.exists(active) ? active : options.paths.policy
        switch ConfigFileReader.read(path) {
        case .success(let text): return try IPsecPolicyParser.load(text, file: path)
        case .failure: return []
        }
    }

    /// The port actually bound (useful with port 0).
    public var boundPort: UInt16 { sockets.first?.local.port ?? options.port }

    var now: EngineInstant { EngineInstant(nanoseconds: MonotonicClock.now() - origin) }

    /// Runs until `stop()` or SIGTERM/SIGINT.
    public func run() {
        while running.load(ordering: .acquiring) {
            var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0), pollfd(fd: controlFD, events: Int16(POLLIN), revents: 0)]
            descriptors += sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let clients = controlClients
            descriptors += clients.map { pollfd(fd: $0.fd, events: $0.events, revents: 0) }
            if let fd = kernel.eventDescriptor { descriptors.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
            var timeout: Int32 = 1000
            if let deadline = engine.nextDeadline() {
                let milliseconds = max(0, (deadline.nanoseconds - now.nanoseconds + 999_999) / 1_000_000)
                timeout = Int32(min(milliseconds, 1000))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0, errno != EINTR { logger.error("poll: \(String(cString: strerror(errno)))") }
            if descriptors[0].revents != 0 { drainWakePipe() }
            if descriptors[1].revents != 0 { serveControlClient() }
            for (index, socket) in sockets.enumerated() where descriptors[index + 2].revents != 0 {
                repeat {
                    batch.received = 0
                    for (bytes, from, to) in socket.receive(into: &batch) {
                        execute(engine.handle(.datagram(Datagram(bytes: bytes, local: to, remote: from)), at: now))
                    }
                } while batch.received == ReceiveBatch.slots
            }
            let firstClient = 2 + sockets.count
            for (index, client) in clients.enumerated() where descriptors[firstClient + index].revents != 0 {
                serve(client)
            }
            if kernel.eventDescriptor != nil, descriptors[firstClient + clients.count].revents != 0 { handleKernelEvents() }
            let time = MonotonicClock.now()
            controlClients.removeAll { $0.deadline < time }
            // Timers only when one is due: a datagram's event already ran what was due then.
            if let deadline = engine.nextDeadline(), deadline <= now { execute(engine.handle(.tick, at: now)) }
        }
        // Leave a clean state: our SAs go from the kernel, and every peer is told.
        execute(engine.handle(.shutdown, at: now))
        logger.info("in.iked stopping: \(kernel.installed.count / 2) IPsec SA pairs left in the \(kernel.name) kernel")
    }

    /// ACQUIREs start negotiations, EXPIREs rekey or end SAs, others' deletes and flushes end them,
    /// and a policy change re-reads the policy the proposals come from.
    private func handleKernelEvents() {
        for event in kernel.receiveEvents() {
            switch event {
            case .acquire(let acquire):
                logger.debug("kernel ACQUIRE \(acquire.source) -> \(acquire.destination) for \(acquire.policy.selector) (\(acquire.template.protocolID), \(acquire.template.mode.rawValue))")
                execute(engine.handle(.acquire(KernelBridge.request(for: acquire)), at: now))
            case .expired(let spi, let protocolID, let destination, let hard):
                execute(engine.handle(.expired(spi: spi, protocolID: protocolID, destination: destination, hard: hard), at: now))
            case .deleted(let spi, let protocolID, let destination):
                execute(engine.handle(.expired(spi: spi, protocolID: protocolID, destination: destination, hard: true), at: now))
            case .flushed:
                execute(engine.handle(.kernelFlushed, at: now))
            case .policiesChanged:
                reloadPolicies()
            }
        }
    }

    /// `ipsecconf` changed the kernel's policy: the proposals follow it.
    private func reloadPolicies() {
        do {
            var settings = engine.settings
            settings.policies = try Self.loadPolicies(options, kernelKeepsPolicy: kernel.policies != nil)
            engine.reload(settings)
        } catch {
            logger.error("IPsec policy not reloaded: \(error)")
        }
    }

    /// Asks the loop to end (thread-safe).
    public func stop() {
        running.store(false, ordering: .releasing)
        wakeUp()
    }

    /// Runs a control command on the loop and waits for the answer (thread-safe; the demo uses it).
    public func perform(_ command: String) -> String {
        let done = DispatchSemaphore(value: 0)
        let answer = Mutex<String>("")
        inbox.withLock { $0.append(.request("\(ControlSocket.version) \(command)", reply: { text in answer.withLock { $0 = text }; done.signal() })) }
        wakeUp()
        done.wait()
        return answer.withLock { $0 }
    }

    private func wakeUp() {
        var byte: UInt8 = 0
        _ = write(wakeWrite, &byte, 1)
    }

    private func drainWakePipe() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(wakeRead, &bytes, bytes.count)
            guard count > 0 else { break }
            for signal in bytes.prefix(count) where signal != 0 {
                switch Int32(signal) {
                case SIGHUP:
                    if let problem = options.logFile.reopen() { logger.error("log file: \(problem)") }
                    reload()
                case SIGTERM, SIGINT: running.store(false, ordering: .releasing)
                default: break
                }
            }
        }
        let work = inbox.withLock { items in
            defer { items = [] }
            return items
        }
        for item in work {
            switch item {
            case .computed(let token, let result):
                execute(engine.handle(.computed(token: token, result), at: now))
            case .request(let text, let reply):
                reply(answer(text))
            }
        }
    }

    /// Reads the certificate store again; files that are not certificates are reported, not fatal.
    private func rescanCertificates() {
        certificateCache = CertificateCache(scanning: options.paths, configuration: engine.settings.configuration)
        for problem in certificateCache.problems { logger.warning("certificate store: \(problem)") }
    }

    /// SIGHUP: re-read the files; established SAs stay.
    private func reload() {
        do {
            let settings = try Self.loadSettings(options, kernelKeepsPolicy: kernel.policies != nil)
            // The new files may name settings not implemented yet, as at start.
            for warning in UnimplementedSettings.warnings(settings.configuration) { logger.warning("\(warning)") }
            engine.reload(settings)
            rescanCertificates()
            logger.notice("configuration reloaded")
        } catch {
            logger.error("reload failed, keeping the running configuration:\n\(error)")
        }
    }

    /// The file the request being answered passed, checked for `use` (the daemon opens no path a
    /// client names: ikeadm opened it with the user's rights).
    private func clientFile(_ name: String, for use: ClientFile.Use) -> Result<ClientFile, DaemonError> {
        defer { passedDescriptor = nil }
        return ClientFile.accept(passedDescriptor, name: name, for: use)
    }

    /// `ikeadm write`: the text into the file the client created (new, 0600) and passed; nil on success.
    private func writeClientFile(_ text: String, to name: String) -> DaemonError? {
        switch clientFile(name, for: .write) {
        case .failure(let problem): return problem
        case .success(let file): return file.write(text)
        }
    }

    /// Accepts a new ikeadm client; it is served as its bytes arrive (see `serve`).
    private func serveControlClient() {
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
    private func serve(_ client: ControlConnection) {
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
    private func answer(_ request: String) -> String {
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
    private func jsonData(_ command: ControlCommands.Command) -> Field? {
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
        case .getDefaults: return AdminJSON.defaults(configuration)
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

    private func textAnswer(_ request: String) -> String {
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
            case .getDefaults: return "OK\n" + AdminText.defaults(engine.settings.configuration)
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
    private func replace(configuration: IKEConfiguration? = nil, presharedKeys: PresharedKeys? = nil) {
        let current = engine.settings
        engine.reload(EngineSettings(configuration: configuration ?? current.configuration, presharedKeys: presharedKeys ?? current.presharedKeys,
                                     policies: current.policies, peerPort: current.peerPort, localPort: current.localPort, replayWindow: current.replayWindow))
    }

    /// Carries out engine effects in order.
    func execute(_ effects: [EngineEffect]) {
        for effect in effects {
            switch effect {
            case .send(let datagram):
                let exact = sockets.first { $0.local.address == datagram.local.address && $0.local.port == datagram.local.port }
                // A wildcard socket on the same port (replies leave from the port the request came to).
                let wildcard = sockets.first { $0.local.address.isIPv4 == datagram.remote.address.isIPv4 && $0.local.address.integerValue == 0 && $0.local.port == datagram.local.port }
                    ?? sockets.first { $0.local.address.isIPv4 == datagram.remote.address.isIPv4 && $0.local.address.integerValue == 0 }
                guard let socket = exact ?? wildcard ?? sockets.first(where: { $0.local.address.isIPv4 == datagram.remote.address.isIPv4 }) else {
                    logger.error("no socket to send from \(datagram.local) to \(datagram.remote)")
                    continue
                }
                let error = socket.send(datagram.bytes, to: datagram.remote, from: datagram.local)
                if error != 0 { logger.warning("send to \(datagram.remote) failed: \(String(cString: strerror(error)))") }
            case .compute(let token, let job, let priority):
                computePool.submit(token: token, job, priority: priority)
            case .installSAs(let inbound, let outbound):
                do {
                    try kernel.install(inbound: inbound, outbound: outbound)
                } catch {
                    logger.error("kernel refused SAs \(ControlCommands.hex(inbound.spi))/\(ControlCommands.hex(outbound.spi)): \(error)")
                    execute(engine.handle(.installFailed(inboundSPI: inbound.spi, reason: error.description), at: now))
                }
            case .deleteSA(let spi, let protocolID, let destination):
                do {
                    try kernel.delete(spi: spi, protocolID: protocolID, destination: destination)
                } catch {
                    // Gone already (expired, or flushed by an administrator) is the usual reason.
                    logger.debug("kernel delete of \(ControlCommands.hex(spi)) to \(destination): \(error)")
                }
            case .log(let record):
                log(record)
            }
        }
    }

    private func log(_ record: EngineLog) {
        // Informational records only for the enabled Solaris categories; problems always.
        if record.level < .warning, !debugCategories.contains(DebugCategories.of(record.category.rawValue)) { return }
        var metadata: Logger.Metadata = ["category": .string(record.category.rawValue)]
        metadata["daemon"] = .string(sockets.first?.local.description ?? "")
        switch record.level {
        case .debug: logger.debug("\(record.message)", metadata: metadata)
        case .info: logger.info("\(record.message)", metadata: metadata)
        case .warning: logger.warning("\(record.message)", metadata: metadata)
        case .error: logger.error("\(record.message)", metadata: metadata)
        }
    }
}
