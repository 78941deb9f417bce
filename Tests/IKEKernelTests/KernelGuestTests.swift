import Foundation
import IKETestSupport
import Testing

/// Runs what needs a kernel with ESP inside a stock Debian kernel under QEMU (scripts/kvm/run-in-guest.sh):
/// the end-to-end script (ipsecconf, two in.iked, ESP on the wire, rekey, clean stop, strongSwan both
/// ways) and RealESPTests. Needs root, QEMU and strongSwan (.ci/run installs them); a minute or two.
@Suite("Real ESP in a QEMU guest", .serialized, .enabled(if: Prerequisites.guest.runs, "needs root, QEMU and strongSwan"))
struct KernelGuestTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var runner: String { repository + "/scripts/kvm/run-in-guest.sh" }

    /// Runs one of scripts/kvm's end-to-end scripts in the guest with our binaries; it must end with `passed`.
    static func runEndToEnd(_ script: String, passed: String) throws {
        try Prerequisites.guest.require()
        let binaries = try #require(ProductRunner.path(of: "in.iked")).split(separator: "/").dropLast().joined(separator: "/")
        let outcome = Spawn.run(["/usr/bin/env", "E2E_BIN=/\(binaries)", "IKE_GUEST_TIMEOUT=600", "/bin/bash", runner, repository + "/scripts/kvm/" + script])
        #expect(outcome.status == 0 && outcome.output.contains(passed), "\(outcome.output.suffix(6000))\n\(outcome.errors.suffix(2000))")
    }

    @Test("two in.iked and strongSwan negotiate real ESP SAs from kernel ACQUIREs, rekey, and stop cleanly")
    func endToEnd() throws {
        try Self.runEndToEnd("iked-e2e.sh", passed: "E2E PASS")
    }

    @Test("NAT traversal with real ESP in UDP: in.iked behind a NAPT to in.iked and to strongSwan, a NAT mapping change followed")
    func natTraversal() throws {
        try Self.runEndToEnd("natt-e2e.sh", passed: "NATT E2E PASS")
    }

    @Test("in.iked as a systemd service: the package installs, the units start on a configuration, notify readiness, reload, fail on a broken config (or run with --ignore-errors), stop leaving no SA, and remove cleanly")
    func service() throws {
        try Prerequisites.guest.require()
        let binaries = "/" + (try #require(ProductRunner.path(of: "in.iked")).split(separator: "/").dropLast().joined(separator: "/"))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ike-service-deb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let built = Spawn.run(["/usr/bin/env", "BIN=\(binaries)", "VERSION=0.0.1", "/bin/bash", Self.repository + "/scripts/package-deb.sh", output])
        let deb = built.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(built.status == 0 && deb.hasSuffix(".deb"), "\(built.output)\(built.errors)")
        let outcome = Spawn.run(["/usr/bin/env", "E2E_BIN=\(binaries)", "E2E_DEB=\(deb)", "IKE_GUEST_INIT=systemd", "IKE_GUEST_TIMEOUT=600", "/bin/bash", Self.runner,
                                 Self.repository + "/scripts/kvm/service-e2e.sh"])
        #expect(outcome.status == 0 && outcome.output.contains("SERVICE E2E PASS"), "\(outcome.output.suffix(6000))\n\(outcome.errors.suffix(2000))")
    }

    @Test("the XFRM port's SA tests pass in a kernel with ESP")
    func realESPTests() throws {
        try Prerequisites.guest.require()
        let bundle = CommandLine.arguments[0]
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("ike-real-esp-\(UUID()).sh").path
        defer { try? FileManager.default.removeItem(atPath: script) }
        try """
            set -e
            "\(bundle)" --testing-library swift-testing --filter RealESPTests 2>&1 | tee /run/guest-out/real-esp.log
            grep -q 'Test run with .* passed' /run/guest-out/real-esp.log
            ! grep -q 'skipped' /run/guest-out/real-esp.log
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let outcome = Spawn.run(["/usr/bin/env", "IKE_GUEST_TIMEOUT=600", "/bin/bash", Self.runner, script])
        #expect(outcome.status == 0, "\(outcome.output.suffix(6000))\n\(outcome.errors.suffix(2000))")
        // Every test of the suite ran there (none skipped on a missing prerequisite).
        for name in ["every algorithm installs", "refused outbound SA", "replay window of 128", "ESP-in-UDP", "tunnel entry's outer addresses", "lost notifications"] {
            #expect(outcome.output.contains("✔") && outcome.output.contains(name), "\(name) did not run in the guest")
        }
    }
}
