/// `ikeadm add rule`: rules written in ike.config syntax joined to a running configuration.
extension IKEConfiguration {
    /// The configuration with the rules of `text` appended, or every problem found, located in
    /// `file`. The fragment holds rules only; global parameters change with `read rule`. The new
    /// rules are validated together with the current ones (labels stay unique, a rule without
    /// p1_xform needs a global list).
    public func adding(rules text: String, file: String) -> Result<IKEConfiguration, ConfigError> {
        let (fragment, syntaxProblems) = IKEConfigParser.parseGrammar(text, file: file)
        var problems = syntaxProblems
        for (keyword, location) in fragment.globals.keywordLocations {
            problems.append(ConfigDiagnostic(location, "'\(keyword)' is a global parameter; add rule takes rules only (use read rule to change globals)"))
        }
        if problems.isEmpty, fragment.rules.isEmpty {
            problems.append(ConfigDiagnostic(SourceLocation(file: file, line: 1, column: 1), "no rule given (expected { label \"…\" … })"))
        }
        var combined = self
        combined.rules += fragment.rules
        if problems.isEmpty {
            // Problems of the running rules were accepted when they were read; report only the new ones.
            problems = IKEConfigValidator.validate(combined).filter { $0.location.file == file }
        }
        guard problems.isEmpty else {
            return .failure(ConfigError(problems.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) }))
        }
        return .success(combined)
    }
}
