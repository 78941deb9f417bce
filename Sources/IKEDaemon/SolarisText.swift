import IPsecTypes
#if canImport(Glibc)
import Glibc
#endif

/// How the Solaris ikeadm writes values (spec §4.5): durations and byte counts with a readable
/// form in parentheses, socket addresses, algorithm, group, identity-type and exchange names, times
/// and keys. The layouts in ControlCommands and AdminDumps are built from these, so a script
/// written against Solaris output reads ours.
enum SolarisText {
    /// " (1.00 hour)": the readable form of more than a minute, with a leading blank; "" otherwise.
    static func duration(_ seconds: UInt64) -> String {
        guard seconds > 60 else { return "" }
        var value = Double(seconds), unit = "second"
        if value >= 86400 { value /= 86400; unit = "day" } else if value >= 3600 { value /= 3600; unit = "hour" } else if value >= 60 { value /= 60; unit = "minute" }
        return " (\(twoDecimals(value)) \(unit)\(value >= 2 ? "s" : ""))"
    }

    /// "(1.00 MB)" for more than 1 KiB, "" otherwise; `leading`/`trailing` add the blank around it.
    static func byteCount(_ bytes: UInt64, leading: Bool = false, trailing: Bool = false) -> String {
        guard bytes > 1024 else { return "" }
        var index = 0, rest = bytes
        while rest >= 1024 { rest /= 1024; index += 1 }
        let units = Array(" KMGTPE")
        let text = index == 0 ? "\(bytes) " : "\(twoDecimals(Double(bytes) / Double(UInt64(1) << (10 * index)))) \(units[index])"
        return (leading ? " " : "") + "(\(text)B)" + (trailing ? " " : "")
    }

    /// `AF_INET: port 500, 192.0.2.1.` (Solaris adds the host name unless -n; the daemon never looks
    /// names up, so this is the -n form).
    static func socketAddress(_ address: IPAddress, port: UInt16, prefixLength: Int = 0) -> String {
        "\(address.isIPv4 ? "AF_INET" : "AF_INET6"): port \(port), \(address)\(prefixLength > 0 ? "/\(prefixLength)" : "")."
    }

    static func groupName(_ group: DHGroup) -> String {
        switch group.rawValue {
        case 0: "<unavailable>"
        case 1: "768-bit MODP (group 1)"
        case 2: "1024-bit MODP (group 2)"
        case 3: "EC2N group on GP[2^155]"
        case 4: "EC2N group on GP[2^185]"
        case 5: "1536-bit MODP (group 5)"
        case 14: "2048-bit MODP (group 14)"
        case 15: "3072-bit MODP (group 15)"
        case 16: "4096-bit MODP (group 16)"
        case 17: "6144-bit MODP (group 17)"
        case 18: "8192-bit MODP (group 18)"
        case 19: "256-bit ECP (group 19)"
        case 20: "384-bit ECP (group 20)"
        case 21: "521-bit ECP (group 21)"
        case 22: "1024-bit MODP with 160-bit subprime (group 22)"
        case 23: "2048-bit MODP with 224-bit subprime (group 23)"
        case 24: "2048-bit MODP with 256-bit subprime (group 24)"
        case 25: "192-bit ECP (group 25)"
        case 26: "224-bit ECP (group 26)"
        // Beyond the Solaris table (RFC 6932 Brainpool), named the same way.
        case 27: "224-bit Brainpool ECP (group 27)"
        case 28: "256-bit Brainpool ECP (group 28)"
        case 29: "384-bit Brainpool ECP (group 29)"
        case 30: "512-bit Brainpool ECP (group 30)"
        default: "<unknown \(group.rawValue)>"
        }
    }

    static func authenticationMethodName(_ method: AuthenticationMethod) -> String {
        switch method {
        case .preSharedKey: "pre-shared key"
        case .dssSignature: "DSS signatures"
        case .rsaSignature: "RSA signatures"
        case .rsaEncryption: "RSA Encryption"
        case .revisedRSAEncryption: "Revised RSA Encryption"
        default: "<unknown \(method.rawValue)>"
        }
    }

    /// The ESP name of a Phase 1 cipher, as Solaris's algorithm table spells it first.
    static func encryptionName(_ algorithm: EncryptionAlgorithm) -> String {
        switch algorithm {
        case .desCBC: "des-cbc"
        case .tripleDESCBC: "3des-cbc"
        case .blowfishCBC: "blowfish-cbc"
        case .aesCBC: "aes-cbc"
        default: "<unknown \(algorithm.rawValue)>"
        }
    }

    /// The AH name of a Phase 1 hash.
    static func hashName(_ hash: HashAlgorithm) -> String {
        switch hash {
        case .md5: "hmac-md5"
        case .sha1: "hmac-sha1"
        case .sha256: "hmac-sha256"
        case .sha384: "hmac-sha384"
        case .sha512: "hmac-sha512"
        default: "<unknown \(hash.rawValue)>"
        }
    }

    /// An identity type as PF_KEY names it (addresses are prefixes there), and whether the value
    /// is printable text.
    static func identityTypeName(_ type: IdentificationType) -> String {
        switch type {
        case .ipv4Address, .ipv6Address, .ipv4Subnet, .ipv6Subnet: "prefix"
        case .ipv4Range, .ipv6Range: "Address range"
        case .fqdn: "FQDN"
        case .userFQDN: "user-FQDN (mbox)"
        case .derASN1DN: "ASN.1 DER Distinguished Name"
        case .derASN1GN: "ASN.1 DER Generic Name"
        case .keyID: "Generic key id"
        default: "<unknown \(type.rawValue)>"
        }
    }

    /// The exchange a pre-shared key is for.
    static func exchangeName(mainMode: Bool, aggressive: Bool) -> String {
        switch (mainMode, aggressive) {
        case (true, true): "main and aggressive mode"
        case (false, true): "aggressive mode"
        case (true, false), (false, false): "main mode (identity protect)"
        }
    }

    /// A wall-clock time as Solaris's default date format prints it: `Tue Dec  1 15:41:20 UTC 2026`.
    static func time(_ seconds: Int) -> String {
        var value = time_t(seconds)
        var parts = tm()
        localtime_r(&value, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Z %Y", &parts)
        return count > 0 ? String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "<time conversion failed>"
    }

    /// Key material as hex followed by its length in bits: `0123…ef/128`.
    static func key(_ key: SecretBytes) -> String { key.keymatHex() + "/\(key.count * 8)" }

    /// printf's `%-Ns`: `text` padded with blanks to `width`, never cut.
    static func left(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }

    /// printf's `%Ns`: right-aligned in `width`.
    static func right(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }

    /// `%.2f`.
    static func twoDecimals(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
