// swift-tools-version:6.1
// The IKE suite: a Linux re-implementation of the Solaris IKEv1 subsystem.
// Layers (docs/ARCHITECTURE.md): IPsecTypes (vocabulary) <- ISAKMP (wire format), IKECrypto (OpenSSL)
// <- IKEDump (capture decoding) <- executables.
import PackageDescription

let swiftSettings: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "ike-suite",
    products: [
        .executable(name: "ikedump", targets: ["ikedump"]),
        .executable(name: "in.iked", targets: ["InIked"]),
        .executable(name: "ikeadm", targets: ["ikeadm"]),
        .executable(name: "ipsecconf", targets: ["ipsecconf"]),
        .executable(name: "ikecert", targets: ["ikecert"]),
        .library(name: "ISAKMP", targets: ["ISAKMP"]),
        .library(name: "IKECrypto", targets: ["IKECrypto"]),
        .library(name: "IKEConfig", targets: ["IKEConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // The kernel's netlink and XFRM structs and constants (headers only).
        .systemLibrary(name: "CXFRM"),
        .target(name: "IPsecTypes", swiftSettings: swiftSettings),
        // UDP with IP_PKTINFO both ways, per-socket IPsec bypass, the signal pipe: C the runtime calls.
        .target(name: "CIKESupport"),
        .target(name: "ISAKMP", dependencies: ["IPsecTypes"], swiftSettings: swiftSettings),
        .target(name: "IKECrypto", dependencies: ["COpenSSL", "IPsecTypes"], swiftSettings: swiftSettings),
        .target(name: "IKEConfig", dependencies: ["IPsecTypes", "IKECrypto"], swiftSettings: swiftSettings),
        .target(name: "IKEEngine", dependencies: ["IPsecTypes", "ISAKMP", "IKECrypto", "IKEConfig"], swiftSettings: swiftSettings),
        .target(name: "IKEKernel", dependencies: ["IPsecTypes", "IKEConfig", "CIKESupport", "CXFRM"], swiftSettings: swiftSettings),
        .target(
            name: "IKEDaemon",
            dependencies: [
                "IKEEngine", "IKEKernel", "IKEConfig", "IKECrypto", "IPsecTypes", "CIKESupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(name: "IKEDump", dependencies: ["ISAKMP", "IKECrypto", "IPsecTypes"], swiftSettings: swiftSettings),
        // Fakes and helpers shared by tests and benchmarks (never linked into the programs).
        .target(name: "IKETestSupport", dependencies: ["IKEEngine", "IKEConfig", "IKECrypto", "IPsecTypes"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "ikedump",
            dependencies: ["IKEDump", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "InIked",
            dependencies: [
                "IKEConfig", "IKEDaemon", "IKEKernel", "IPsecTypes",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/in.iked",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ikeadm",
            dependencies: ["IKEDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ikecert",
            dependencies: ["IKEConfig", "IKECrypto"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ipsecconf",
            dependencies: ["IKEConfig", "IKEKernel", "IPsecTypes", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ikebench",
            dependencies: ["ISAKMP", "IKECrypto", "IKEConfig", "IKEEngine", "IKEKernel", "IPsecTypes", "IKETestSupport"],
            path: "Benchmarks/ikebench",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "ISAKMPTests", dependencies: ["ISAKMP", "IPsecTypes", "IKETestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IKECryptoTests",
            dependencies: ["IKECrypto", "IPsecTypes", "IKETestSupport"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IKEConfigTests",
            dependencies: ["IKEConfig", "IKECrypto", "IPsecTypes", "IKETestSupport"],
            resources: [.copy("Examples")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "IKEEngineTests",
            dependencies: ["IKEEngine", "IKEConfig", "IKECrypto", "ISAKMP", "IPsecTypes", "IKETestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "IKEDaemonTests", dependencies: ["IKETestSupport", "IKEDaemon", "IKEDump", "IKEEngine", "IKEKernel", "IKEConfig", "IKECrypto", "IPsecTypes"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IKEKernelTests",
            dependencies: ["IKEKernel", "IKEConfig", "IPsecTypes", "IKETestSupport", "CXFRM"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "InteropTests", dependencies: ["IKETestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "IKEDumpTests",
            dependencies: ["IKEDump", "ISAKMP", "IKECrypto", "IPsecTypes", "IKETestSupport"],
            resources: [.copy("Captures")],
            swiftSettings: swiftSettings
        ),
    ]
)
