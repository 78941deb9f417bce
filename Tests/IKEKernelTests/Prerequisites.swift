import Foundation
@testable import IKEKernel
import IKETestSupport
import Testing

/// Kernel tests need root and namespaces: outside CI they are skipped without them, in CI (CI=true)
/// a missing prerequisite is a failure.
enum Prerequisites {
    static let namespaces = Prerequisite { NetworkNamespace.unavailable }

    /// Root, QEMU and strongSwan for the guest (KernelGuestTests).
    static let guest = Prerequisite {
        if geteuid() != 0 { return "needs root (QEMU with the host root exported)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/qemu-system-x86_64") { return "needs qemu-system-x86 (scripts/kvm/run-in-guest.sh --setup)" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/sbin/charon-systemd") { return "needs strongSwan (scripts/interop/peers.sh install)" }
        return nil
    }

    static var inGuest: Bool { ProcessInfo.processInfo.environment["IKE_GUEST"] == "1" }

    /// Why this kernel cannot take ESP SAs (probed once), or nil.
    static let missingESP: String? = {
        if let missing = NetworkNamespace.unavailable { return missing }
        do {
            let namespace = try NetworkNamespace(prefix: "ikeprobe")
            _ = try XFRMKernel(probe: true, namespace: namespace.name)
            return nil
        } catch {
            return "no ESP in this kernel: \(error)"
        }
    }()

    /// RealESPTests run where the kernel has ESP, and always in the guest (where missing ESP is a
    /// failure). A CI host without ESP skips them: KernelGuestTests runs them in the guest.
    static var espRunsHere: Bool { inGuest || missingESP == nil }
}
