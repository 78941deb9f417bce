/// A `cert-sel` string (ike.config(5) `cert_root`, `cert_trust`, `local_id`, `remote_id`; the same
/// language as ikecert's certspec): zero or more specifiers, each possibly negated with `!`.
///
/// `""` selects anything. A specifier is a full DN (optionally `SUBJECT=`), `ISSUER=<DN>`, `SLOT=<n>`, a
/// subject-alternative-name tag (`IP=`, `DNS=`, `EMAIL=`, `URI=`, `DN=`, `RID=`), or a bare value.
public struct CertificateSelector: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable, CaseIterable {
        case subject = "SUBJECT", issuer = "ISSUER", slot = "SLOT"
        case ip = "IP", dns = "DNS", email = "EMAIL", uri = "URI", dn = "DN", rid = "RID"
        /// A value without a tag (an address, mail address, host name or slot number).
        case bare = ""
    }

    public struct Specifier: Hashable, Sendable {
        public var negated: Bool
        public var kind: Kind
        public var value: String
    }

    /// The text as written (kept for printing and for the certificate matcher to come).
    public let text: String
    public let specifiers: [Specifier]
    /// `""`: any certificate or identity.
    public var matchesAnything: Bool { specifiers.isEmpty }
    /// Specifiers that must match / must not match (ikeadm prints them as Includes / Excludes).
    public var includes: [Specifier] { specifiers.filter { !$0.negated } }
    public var excludes: [Specifier] { specifiers.filter(\.negated) }

    /// Parses a selector. A DN's own commas and `=` signs stay inside it: a new specifier starts only
    /// where a tag (`ISSUER=`, `IP=`, …) or `!` begins after whitespace.
    public static func parse(_ text: String) -> Result<CertificateSelector, AddressSpecError> {
        var specifiers: [Specifier] = []
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        var current: Specifier?
        for word in words {
            var body = Substring(word)
            let negated = body.hasPrefix("!")
            if negated { body = body.dropFirst() }
            if let equals = body.firstIndex(of: "="), let kind = Kind(rawValue: body[..<equals].uppercased()), kind != .bare {
                if let done = current { specifiers.append(done) }
                current = Specifier(negated: negated, kind: kind, value: String(body[body.index(after: equals)...]))
                continue
            }
            if negated || current == nil {
                if let done = current { specifiers.append(done) }
                // A bare DN starts with an attribute (C=, O=, CN=…); anything else is a bare value.
                let kind: Kind = body.contains("=") ? .subject : .bare
                current = Specifier(negated: negated, kind: kind, value: String(body))
                continue
            }
            // Continuation of a DN with spaces ("C=US, O=Example, CN=host").
            current?.value += " " + word
        }
        if let done = current { specifiers.append(done) }
        for specifier in specifiers {
            if specifier.value.isEmpty { return .failure(AddressSpecError("'\(specifier.kind.rawValue)=' has no value in \"\(text)\"")) }
            if specifier.kind == .slot, CNumber.integer(specifier.value) == nil {
                return .failure(AddressSpecError("SLOT=\(specifier.value) is not a slot number"))
            }
        }
        return .success(CertificateSelector(text: text, specifiers: specifiers))
    }

    public var description: String { text }
}
