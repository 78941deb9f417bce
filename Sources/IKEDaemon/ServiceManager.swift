import CIKESupport
#if canImport(Glibc)
import Glibc
#endif

/// The service manager's readiness protocol (systemd's sd_notify, `Type=notify`): when started by a
/// manager that set $NOTIFY_SOCKET, the daemon says when it is ready (sockets, control socket and
/// kernel port open), when it reloads (SIGHUP) and when it stops. Without the variable nothing is sent.
struct ServiceManager {
    let socketPath: String?

    /// `socketPath`: $NOTIFY_SOCKET (nil or empty: not started by a service manager).
    init(socketPath: String?) {
        self.socketPath = socketPath.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sends one state line; a failure only means the manager will not know (it times the start out).
    @discardableResult
    func notify(_ state: String) -> Int32? {
        guard let socketPath else { return nil }
        let result = ike_notify_service_manager(socketPath, state)
        return result < 0 ? -result : nil
    }

    func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }
    func reloading() { notify("RELOADING=1") }
    func stopping() { notify("STOPPING=1") }
}
