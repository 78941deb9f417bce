import IKECrypto

extension CertificateSelector {
    /// Whether `certificate` (in publickeys/ under `slot`) satisfies the selector: every include holds
    /// and no exclude does. Subject and issuer DNs compare as DNs (case and blanks after commas
    /// aside); IP=, DNS=, EMAIL=, URI= and DN= against the subject alternative names; a bare value or
    /// SLOT= against the slot, and a bare address, host or mailbox against the alternative names.
    /// The empty selector matches nothing here: where `""` means "any", callers say so.
    public func matches(_ certificate: Certificate, slot: String?) -> Bool {
        guard !matchesAnything else { return false }
        return includes.allSatisfy { $0.holds(for: certificate, slot: slot) } && !excludes.contains { $0.holds(for: certificate, slot: slot) }
    }

    /// Whether the selector is a bare identity (an address, host name or mailbox) that the
    /// certificate carries as a subject alternative name — Solaris's `local_id "10.1.86.51"`.
    public func namesIdentity(of certificate: Certificate) -> Bool {
        guard specifiers.count == 1, let only = specifiers.first, !only.negated, only.kind == .bare else { return false }
        return certificate.alternativeNames.contains { $0.split(separator: "=", maxSplits: 1).last.map(String.init)?.lowercased() == only.value.lowercased() }
    }
}

extension CertificateSelector.Specifier {
    func holds(for certificate: Certificate, slot: String?) -> Bool {
        switch kind {
        case .subject: return certificate.named(value)
        case .dn: return certificate.named(value) || certificate.alternativeNames.contains { $0.hasPrefix("DN=") && Certificate.sameName(String($0.dropFirst(3)), value) }
        case .issuer: return certificate.named(value, issuer: true)
        case .slot: return value == slot
        case .bare:
            if value == slot { return true }
            return certificate.alternativeNames.contains { $0.split(separator: "=", maxSplits: 1).last.map(String.init)?.lowercased() == value.lowercased() }
        case .ip, .dns, .email, .uri, .rid:
            return certificate.alternativeNames.contains { $0.lowercased() == "\(kind.rawValue)=\(value)".lowercased() }
        }
    }
}
