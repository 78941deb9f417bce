import IKECrypto
import IPsecTypes

/// `ikeadm dump groups|encralgs|authalgs`: what this in.iked can negotiate in Phase 1, by IANA IPsec
/// attribute number (RFC 2409 App. A), as the Solaris tables show it.
enum AlgorithmTables {
    struct Group { var value: UInt16; var strength: Int; var name: String }
    struct Cipher { var value: UInt16; var name: String; var keyBits: ClosedRange<Int> }
    struct Hash { var value: UInt16; var name: String }

    /// ike.config groups the Diffie-Hellman code implements, with their estimated strength in bits.
    static var groups: [Group] {
        DHGroup.configurable.filter(DHPrivateKey.supports).sorted { $0.rawValue < $1.rawValue }.map {
            Group(value: $0.rawValue, strength: $0.securityStrength ?? 0, name: $0.description)
        }
    }

    /// Ciphers the CBC code implements, with their key length range.
    static var ciphers: [Cipher] {
        EncryptionAlgorithm.configNames.values.reduce(into: Set<UInt16>()) { $0.insert($1.rawValue) }.sorted().compactMap { value in
            let algorithm = EncryptionAlgorithm(rawValue: value)
            guard algorithm.blockSize != nil else { return nil }
            let bits = algorithm.fixedKeyLength.map { $0 * 8...$0 * 8 } ?? algorithm.allowedKeyBits ?? 0...0
            return Cipher(value: value, name: algorithm.configName, keyBits: bits)
        }
    }

    /// Hashes (and their HMAC PRFs) the digest code implements.
    static var hashes: [Hash] {
        HashAlgorithm.configNames.values.reduce(into: Set<UInt16>()) { $0.insert($1.rawValue) }.sorted().compactMap { value in
            let algorithm = HashAlgorithm(rawValue: value)
            guard (try? Digest(algorithm)) != nil else { return nil }
            return Hash(value: value, name: algorithm.configName)
        }
    }

    static func column(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(1, width - text.count)) + text }

    static var groupsText: String {
        let rows = groups.map { column(String($0.value), 7) + column(String($0.strength), 10) + "  " + $0.name }
        return (["List of Diffie-Hellman groups for IKE (values are IANA IPsec attribute numbers):", "  Value  Strength  Description"] + rows
            + ["", "Completed dump of groups (\(rows.count))"]).joined(separator: "\n")
    }

    static var ciphersText: String {
        let rows = ciphers.map { column(String($0.value), 7) + "  " + $0.name.padding(16) + "\($0.keyBits.lowerBound)-\($0.keyBits.upperBound)" }
        return (["List of encryption algorithms for IKE (values are IANA IPsec attribute numbers):", "  Value  Name            Keylen range"] + rows
            + ["", "Completed dump of encralgs (\(rows.count))"]).joined(separator: "\n")
    }

    static var hashesText: String {
        let rows = hashes.map { column(String($0.value), 7) + "  " + $0.name }
        return (["List of authentication algorithms for IKE (values are IANA IPsec attribute numbers):", "  Value  Name"] + rows
            + ["", "Completed dump of authalgs (\(rows.count))"]).joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(1, width - count)) }
}
