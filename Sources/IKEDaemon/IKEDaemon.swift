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
    var controlFD: Int32 = -1
    /// Held (locked) for the daemon's life; removed when it ends.
    private var pidFile: PidFile?
    /// ikeadm clients being served; at most `maximumControlClients`.
    var controlClients: [ControlConnection] = []
    /// The descriptor the request being answered carried (see `clientFile`).
    var passedDescriptor: Int32?
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
    /// systemd's readiness protocol, when it started us (`Type=notify`).
    private let serviceManager = ServiceManager(socketPath: getenv("NOTIFY_SOCKET").map { String(cString: $0) })
    /// Changed only by the loop thread (set debug / set priv).
    var debugCategories: DebugCategories
    /// The publickeys/ store as read at start, on SIGHUP and on `flush certcache`.
    var certificateCache = CertificateCache()
    var privilege: PrivilegeLevel

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
        let settings = try Self.startingSettings(options, kernelKeepsPolicy: kernel.policies != nil, logger: logger)
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
                if let port = options.natTraversalPort, !sockets.contains(where: { $0.local.address == address && $0.local.port == port }) {
                    let socket = try UDPSocket(address: address, port: port, bypassIPsec: options.bypassIPsec)
                    if let error = socket.encapsulateESP() {
                        // Without it the kernel cannot decapsulate ESP-in-UDP: fatal where it would have to.
                        let problem = "cannot make UDP \(socket.local) an ESP-in-UDP endpoint: \(String(cString: strerror(error)))"
                        guard kernel.name == InMemoryKernel.portName else { throw DaemonError(problem) }
                        logger.warning("\(problem)")
                    }
                    sockets.append(socket)
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

    /// The settings at start: the files', or — with `ignoreErrors` (Solaris's SMF `ignore_errors`) — when
    /// they have errors, those errors logged and no rules, so the daemon runs and is configured
    /// through ikeadm (`read rule`, `add rule`).
    static func startingSettings(_ options: DaemonOptions, kernelKeepsPolicy: Bool, logger: Logger) throws -> EngineSettings {
        do {
            return try loadSettings(options, kernelKeepsPolicy: kernelKeepsPolicy)
        } catch let error as ConfigError where options.ignoreErrors {
            logger.error("configuration errors ignored (--ignore-errors); running without rules:\n\(error)")
            return settings(options, IKEConfiguration(), PresharedKeys(), policies: (try? loadPolicies(options, kernelKeepsPolicy: kernelKeepsPolicy)) ?? [])
        }
    }

    /// Reads ike.config, ike.preshared (when a rule needs it) and the IPsec policy.
    static func loadSettings(_ options: DaemonOptions, kernelKeepsPolicy: Bool) throws -> EngineSettings {
        let outcome = ConfigurationCheck.run(options.paths)
        guard outcome.isValid, let configuration = outcome.configuration else { throw ConfigError(outcome.diagnostics) }
        return settings(options, configuration, outcome.presharedKeys ?? PresharedKeys(), policies: try loadPolicies(options, kernelKeepsPolicy: kernelKeepsPolicy))
    }

    /// The engine's settings from the files' contents and the command line's ports and limits.
    private static func settings(_ options: DaemonOptions, _ configuration: IKEConfiguration, _ keys: PresharedKeys, policies: [PolicyEntry]) -> EngineSettings {
        var settings = EngineSettings(configuration: configuration, presharedKeys: keys, policies: policies, peerPort: options.peerPort, localPort: options.port,
                                      natTraversalPort: options.natTraversalPort, replayWindow: options.replayWindow)
        settings.peerNATTraversalPort = options.natTraversalPort ?? IKEDefaults.natTraversalPort
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
        // Sockets, control socket and kernel port are open: the service is ready.
        serviceManager.ready(status: "listening on \(sockets.map(\.local.description).joined(separator: ", "))")
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
        serviceManager.stopping()
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
            case .mapping(let spi, _, let destination, let source, let port):
                execute(engine.handle(.natMappingChanged(inboundSPI: spi, destination: destination, peer: Endpoint(address: source, port: port)), at: now))
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

    /// Reads the certificate stores again and gives the engine the new credentials; files that are
    /// not certificates, keys or CRLs (or keys others can read) are reported and left out, not fatal.
    func rescanCertificates() {
        certificateCache = CertificateCache(scanning: options.paths, configuration: engine.settings.configuration)
        for problem in certificateCache.problems { logger.warning("certificate store: \(problem)") }
        for warning in certificateCache.warnings(engine.settings.configuration, paths: options.paths) { logger.warning("\(warning)") }
        var settings = engine.settings
        settings.credentials = certificateCache.credentials
        engine.reload(settings)
    }

    /// SIGHUP: re-read the files; established SAs stay.
    private func reload() {
        serviceManager.reloading()
        defer { serviceManager.ready(status: "configuration read again") }
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
            case .updateSAs(let inbound, let outbound, let previousDestination):
                do {
                    try kernel.update(inbound: inbound, outbound: outbound, previousOutboundDestination: previousDestination)
                } catch {
                    logger.error("kernel refused to move SAs \(ControlCommands.hex(inbound.spi))/\(ControlCommands.hex(outbound.spi)) to the peer's new NAT mapping: \(error)")
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
