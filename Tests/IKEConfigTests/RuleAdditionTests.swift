import IKEConfig
import Testing

@Suite("ikeadm add rule: rules joined to a running configuration")
struct RuleAdditionTests {
    static let running = """
        p1_xform { auth_method preshared oakley_group 14 auth_alg sha256 encr_alg aes }
        { label "first" local_addr 10.0.0.1 remote_addr 10.0.0.2 }
        """

    @Test("new rules follow the running ones and use its global transforms")
    func adds() throws {
        let configuration = try IKEConfigParser.load(Self.running, file: "config")
        let added = try configuration.adding(rules: "{ label \"second\" local_addr 10.0.0.1 remote_addr 10.0.0.3 }", file: "cmd").get()
        #expect(added.rules.map(\.label) == ["first", "second"])
        #expect(added.defaultTransforms == configuration.defaultTransforms)
    }

    @Test("refused fragments name the fragment's line and column and change nothing", arguments: [
        ("{ label \"first\" local_addr 10.0.0.1 remote_addr 10.0.0.3 }", "cmd:1:3: duplicate label \"first\" (first used at config:2:3)"),
        ("retry_limit 3", "cmd:1:1: 'retry_limit' is a global parameter"),
        ("# nothing\n", "cmd:1:1: no rule given"),
        ("{ label \"x\"\n local_addr 10.0.0.1 }", "cmd:1:1: rule \"x\" has no remote_addr"),
        ("{ label \"x\" local_addr 10.0.0.1 remote_addr 10.0.0.2\n frob 1 }", "cmd:2:2: "),
    ])
    func refuses(fragment: String, expected: String) throws {
        let configuration = try IKEConfigParser.load(Self.running, file: "config")
        switch configuration.adding(rules: fragment, file: "cmd") {
        case .success: Issue.record("accepted \(fragment)")
        case .failure(let error): #expect(error.description.hasPrefix(expected), "\(error)")
        }
    }

    @Test("without a global p1_xform a new rule must bring its own")
    func needsTransform() throws {
        let configuration = try IKEConfigParser.load("{ label \"a\" local_addr 10.0.0.1 remote_addr 10.0.0.2 p1_xform { auth_method preshared oakley_group 14 auth_alg sha1 encr_alg aes } }", file: "config")
        let result = configuration.adding(rules: "{ label \"b\" local_addr 10.0.0.1 remote_addr 10.0.0.3 }", file: "cmd")
        #expect((try? result.get()) == nil)
    }
}
