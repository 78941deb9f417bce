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

    /// The Solaris tables: a heading, the IANA note, `%-6s%-9s%-50s` / `%-6u%-20s%-15s` / `%-6u%-20s`
    /// rows, then this implementation's "Completed dump" line.
    static func table(_ heading: String, columns: String, rows: [String], name: String) -> String {
        (["", heading, "The values match the IPsec attribute assigned numbers published by IANA", "", columns] + rows
            + ["", "Completed dump of \(name) (\(rows.count))"]).joined(separator: "\n")
    }

    static var groupsText: String {
        table("List of Diffie-Hellman groups for setting up IKE SAs", columns: SolarisText.left("Value", 6) + SolarisText.left("Strength", 9) + SolarisText.left("Description", 50),
              rows: groups.map { SolarisText.left(String($0.value), 6) + SolarisText.left(String($0.strength), 9) + SolarisText.left(SolarisText.groupName(DHGroup(rawValue: $0.value)), 50) }, name: "groups")
    }

    static var ciphersText: String {
        table("List of encryption algorithms for IKE", columns: SolarisText.left("Value", 6) + SolarisText.left("Name", 20) + SolarisText.left("Keylen range", 15),
              rows: ciphers.map { cipher in
                  let range = cipher.keyBits.lowerBound == 0 && cipher.keyBits.upperBound == 0 ? "N/A" : "\(cipher.keyBits.lowerBound)-\(cipher.keyBits.upperBound)"
                  return SolarisText.left(String(cipher.value), 6) + SolarisText.left(SolarisText.encryptionName(EncryptionAlgorithm(rawValue: cipher.value)), 20) + SolarisText.left(range, 15)
              }, name: "encralgs")
    }

    static var hashesText: String {
        table("List of authentication algorithms for IKE", columns: SolarisText.left("Value", 6) + SolarisText.left("Name", 20),
              rows: hashes.map { SolarisText.left(String($0.value), 6) + SolarisText.left(SolarisText.hashName(HashAlgorithm(rawValue: $0.value)), 20) }, name: "authalgs")
    }
}
