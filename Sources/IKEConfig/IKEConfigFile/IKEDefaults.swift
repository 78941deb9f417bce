import IPsecTypes

/// Built-in defaults and limits: what applies when ike.config is silent. docs/CONFIGURATION.md lists
/// each with its source; Solaris never published several of them, and those are our choices.
public enum IKEDefaults {
    /// ike.config(5): 300 s for an unfinished Phase 1.
    public static let expireTimer: UInt32 = 300
    /// ike.config(5): 5 retransmissions.
    public static let retryLimit: UInt32 = 5
    /// ike.config(5): 0.5 s, doubling.
    public static let retryTimerInitial = 0.5
    /// ike.config(5): 30 s.
    public static let retryTimerMaximum = 30.0
    /// Not published by Solaris; 3600 s as isakmpd and most peers default to (strongSwan re-authenticates
    /// IKEv1 SAs at 4 h, Libreswan at 8 h; a shorter Phase 1 only costs a few Main Modes an hour).
    public static let phase1LifetimeSeconds: UInt32 = 3600
    /// The Solaris sample file's value; 20 bytes is also what strongSwan and Libreswan send.
    public static let phase1NonceLength: UInt32 = 20
    public static let phase2NonceLength: UInt32 = 20
    /// ike.config(5) makes `ip` the default identity for pre-shared rules.
    public static let localIDType = IdentityType.ip
    /// Phase 2: 3600 s hard, soft at 90 %, no idle time, no byte limit (0 = unlimited), no PFS.
    public static let phase2: Phase2Settings = {
        var settings = Phase2Settings()
        settings.lifetimeSeconds = 3600
        settings.softLifetimeSeconds = 3240
        settings.idleTimeSeconds = 0
        settings.lifetimeKilobytes = 0
        settings.softLifetimeKilobytes = 0
        return settings
    }()

    /// Dead Peer Detection (RFC 3706) is not an ike.config setting on Solaris; `dpd_interval` and
    /// `dpd_retries` are this suite's extension parameters. 30 s without a verified message from a
    /// peer that announced DPD before an R-U-THERE goes out (strongSwan's `dpddelay` default), and
    /// 5 retransmissions of it, with the retry_timer backoff, before the peer counts as dead.
    public static let dpdIntervalSeconds: UInt32 = 30
    public static let dpdRetries: UInt32 = 5
    /// 0 turns DPD off.
    public static let dpdIntervals: ClosedRange<UInt32> = 0...86400

    /// NAT traversal (RFC 3947/3948): Solaris shows the NAT-T port in `ikeadm get defaults` and has no
    /// keepalive setting; `nat_keepalive` is this suite's extension parameter. The side behind a NAT
    /// sends a keepalive every 20 s (RFC 3948 §2.3's suggestion, strongSwan's `keep_alive`), so the
    /// NAT keeps its mapping for port 4500 open; 0 turns keepalives off.
    public static let natKeepaliveSeconds: UInt32 = 20
    public static let natKeepalives: ClosedRange<UInt32> = 0...3600
    /// The NAT-T port (RFC 3947 §4).
    public static let natTraversalPort: UInt16 = 4500

    /// Limits enforced on configured values (the "minimum/maximum" rows of `ikeadm get defaults`).
    public static let minimumPhase1LifetimeSeconds: UInt32 = 60
    public static let minimumPhase2LifetimeSeconds: UInt32 = 60
    public static let maximumPhase2LifetimeSeconds: UInt32 = 86400 * 7
    public static let minimumPhase2LifetimeKilobytes: UInt32 = 1024
    /// RFC 2409 §5: nonces are 8 to 256 bytes.
    public static let nonceLengths: ClosedRange<UInt32> = 8...256
    public static let retryLimits: ClosedRange<UInt32> = 1...100

    /// Soft lifetime derived from a hard one: 90 % (ike.config(5)); 0 (unlimited) stays 0.
    public static func softLifetime(forHard hard: UInt32) -> UInt32 { UInt32(UInt64(hard) * 9 / 10) }
}
