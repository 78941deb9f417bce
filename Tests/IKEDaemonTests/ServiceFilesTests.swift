import Foundation
import IKETestSupport
import Testing

/// What a real installation consists of: the man pages (mdoc, linted, every option documented), the
/// systemd units (verified), scripts/install.sh (modes, DESTDIR, never overwriting) and the Debian
/// package built from them.
@Suite("Service files: man pages, units, installation, package", .serialized)
struct ServiceFilesTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func tool(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/bin/\(name)", "/usr/sbin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static let mandoc = Prerequisite { tool("mandoc") == nil ? "mandoc is not installed (apt-get install mandoc)" : nil }
    static let systemd = Prerequisite { tool("systemd-analyze") == nil ? "systemd-analyze is missing" : nil }
    static let dpkg = Prerequisite { tool("dpkg-deb") == nil ? "dpkg-deb is missing" : (ProductRunner.path(of: "in.iked") == nil ? "in.iked is not built" : nil) }

    static let pages = ["in.iked.8", "ikeadm.8", "ipsecconf.8", "ikedump.8", "ikecert.8", "ike.config.5", "ike.preshared.5", "ipsecinit.conf.5"]

    static func page(_ name: String) throws -> String { try String(contentsOfFile: repository + "/man/" + name, encoding: .utf8) }

    @Test("every man page passes mandoc -T lint without a warning", .enabled(if: mandoc.runs, "needs mandoc"), arguments: pages)
    func lint(_ name: String) throws {
        try Self.mandoc.require()
        let outcome = Spawn.run([try #require(Self.tool("mandoc")), "-T", "lint", "-W", "warning", Self.repository + "/man/" + name])
        #expect(outcome.status == 0 && outcome.output.isEmpty && outcome.errors.isEmpty, "\(outcome.output)\(outcome.errors)")
    }

    /// The options a program's --help lists (`-c`, `--natt-port`, …).
    static func options(of program: String) throws -> [String] {
        let help = try ProductRunner.run(program, ["--help"]).standardOutput
        guard let section = help.range(of: "OPTIONS:") else { return [] }
        var found: [String] = []
        for line in help[section.upperBound...].split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("-"), line.hasPrefix("  ") && !line.hasPrefix("                  ") else { continue }
            for token in trimmed.split(separator: " ").prefix(3) where token.hasPrefix("-") {
                found.append(String(token).trimmingCharacters(in: CharacterSet(charactersIn: ",")))
            }
        }
        return found
    }

    @Test("every option of each command is in its man page", arguments: [("in.iked", "in.iked.8"), ("ikeadm", "ikeadm.8"), ("ipsecconf", "ipsecconf.8"), ("ikedump", "ikedump.8")])
    func optionsDocumented(_ program: String, _ name: String) throws {
        guard ProductRunner.path(of: program) != nil else { throw ProductRunner.NotBuilt(product: program) }
        let options = try Self.options(of: program)
        #expect(options.count >= 3, "\(program) --help listed \(options)")
        let source = try Self.page(name)
        for option in options {
            // mdoc writes -c as `Fl c` and --natt-port as `Fl -natt-port`.
            #expect(source.contains("Fl \(option.dropFirst())"), "\(name) does not document \(option)")
        }
    }

    @Test("every option ikecert's usage names is in ikecert(8)")
    func ikecertOptionsDocumented() throws {
        let usage = try ProductRunner.run("ikecert", ["--help"]).standardOutput
        let options = Set(usage.split(whereSeparator: { " |[]\n".contains($0) }).filter { $0.hasPrefix("-") && $0.count > 1 }.map(String.init))
        #expect(options.isSuperset(of: ["-ks", "-kc", "-m", "-t", "-D", "-A", "-S", "-F", "-f", "-l", "-r", "-a", "-e", "--root"]), "\(options)")
        let source = try Self.page("ikecert.8")
        for option in options {
            // "Fl ks | kc" documents both.
            #expect(source.contains("Fl \(option.dropFirst())") || (option == "-kc" && source.contains("Fl ks | kc")), "ikecert.8 does not document \(option)")
        }
    }

    @Test("the units verify with systemd-analyze once installed", .enabled(if: systemd.runs, "needs systemd-analyze"))
    func unitsVerify() throws {
        try Self.systemd.require()
        let staged = try Self.stage()
        defer { try? FileManager.default.removeItem(atPath: staged) }
        // The units they depend on (sysinit.target, network-online.target, …) from this system.
        _ = Spawn.run(["/bin/cp", "-rn", "/lib/systemd/system/.", staged + "/lib/systemd/system/"])
        for unit in ["in.iked.service", "ipsec-policy.service"] {
            let outcome = Spawn.run([try #require(Self.tool("systemd-analyze")), "verify", "--man=no", "--root=\(staged)", unit])
            #expect(outcome.status == 0 && !outcome.errors.contains("\(unit):"), "\(outcome.output)\(outcome.errors)")
        }
        let unit = try String(contentsOfFile: staged + "/lib/systemd/system/in.iked.service", encoding: .utf8)
        for line in ["Type=notify", "ConditionPathExists=/etc/inet/ike/config", "ExecReload=/bin/kill -HUP $MAINPID", "After=network-online.target ipsec-policy.service",
                     "NoNewPrivileges=yes", "CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE", "ProtectSystem=strict", "Restart=on-failure"] {
            #expect(unit.contains(line), "in.iked.service lacks \(line)")
        }
    }

    /// scripts/install.sh into a fresh DESTDIR with the built binaries; returns the directory.
    static func stage(_ existing: String? = nil) throws -> String {
        let destination = FileManager.default.temporaryDirectory.appendingPathComponent("ike-install-\(UUID().uuidString)").path
        if let existing {
            try FileManager.default.createDirectory(atPath: destination + "/etc/default", withIntermediateDirectories: true)
            try existing.write(toFile: destination + "/etc/default/in.iked", atomically: false, encoding: .utf8)
        }
        let binaries = try #require(ProductRunner.path(of: "in.iked")).split(separator: "/").dropLast().joined(separator: "/")
        let outcome = Spawn.run(["/bin/bash", repository + "/scripts/install.sh", "--destdir", destination, "--bin", "/" + binaries])
        #expect(outcome.status == 0, "\(outcome.output)\(outcome.errors)")
        // In a systemd unit directory of the DESTDIR, as the real install puts them.
        let systemBin = destination + "/bin"
        try? FileManager.default.createDirectory(atPath: systemBin, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: systemBin + "/kill") { try? FileManager.default.copyItem(atPath: "/bin/kill", toPath: systemBin + "/kill") }
        return destination
    }

    @Test("install.sh puts programs, units, pages and the Solaris directories in place, with their modes, and keeps existing files")
    func install() throws {
        guard ProductRunner.path(of: "in.iked") != nil else { throw ProductRunner.NotBuilt(product: "in.iked") }
        let staged = try Self.stage("IKED_OPTIONS=\"--debug-level op\"\n")
        defer { try? FileManager.default.removeItem(atPath: staged) }
        let manager = FileManager.default
        for path in ["/usr/sbin/in.iked", "/usr/sbin/ikeadm", "/usr/sbin/ipsecconf", "/usr/sbin/ikedump", "/usr/sbin/ikecert"] {
            #expect(manager.isExecutableFile(atPath: staged + path), "\(path) missing")
        }
        #expect(try manager.destinationOfSymbolicLink(atPath: staged + "/usr/lib/inet/in.iked") == "/usr/sbin/in.iked")
        for page in Self.pages { #expect(manager.fileExists(atPath: staged + "/usr/share/man/man\(page.last!)/\(page)"), "\(page) not installed") }
        func mode(_ path: String) throws -> Int { try (manager.attributesOfItem(atPath: staged + path)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode("/etc/inet/secret") == 0o700 && mode("/etc/inet/secret/ike.privatekeys") == 0o700)
        #expect(try mode("/etc/inet/ike/publickeys") == 0o755 && mode("/etc/inet/ike/crls") == 0o755)
        // The administrator's /etc/default/in.iked stays as it was.
        #expect(try String(contentsOfFile: staged + "/etc/default/in.iked", encoding: .utf8) == "IKED_OPTIONS=\"--debug-level op\"\n")
        #expect(manager.fileExists(atPath: staged + "/etc/inet/ike/config.sample") && !manager.fileExists(atPath: staged + "/etc/inet/ike/config"))
    }

    @Test("package-deb.sh builds a package with the programs, units, pages and maintainer scripts", .enabled(if: dpkg.runs, "needs dpkg-deb and the built programs"))
    func package() throws {
        try Self.dpkg.require()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ike-deb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let binaries = try #require(ProductRunner.path(of: "in.iked")).split(separator: "/").dropLast().joined(separator: "/")
        let built = Spawn.run(["/usr/bin/env", "BIN=/" + binaries, "VERSION=0.0.1", "/bin/bash", Self.repository + "/scripts/package-deb.sh", output])
        #expect(built.status == 0, "\(built.output)\(built.errors)")
        let deb = built.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let contents = Spawn.run(["/usr/bin/dpkg-deb", "-c", deb]).output
        for path in ["./usr/sbin/in.iked", "./usr/sbin/ikeadm", "./lib/systemd/system/in.iked.service", "./lib/systemd/system/ipsec-policy.service",
                     "./usr/share/man/man8/in.iked.8", "./usr/share/man/man5/ike.config.5", "./etc/default/in.iked"] {
            #expect(contents.contains(path), "\(path) not in the package")
        }
        #expect(!contents.contains("./etc/inet/"), "the package must not own the administrator's directories")
        let control = Spawn.run(["/usr/bin/dpkg-deb", "-I", deb]).output
        #expect(control.contains("Package: ike-solaris") && control.contains("Version: 0.0.1") && control.contains("postinst") && control.contains("conffiles"))
    }
}
