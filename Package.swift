// swift-tools-version: 6.1
// Zvonok: a SIP registrar, stateful proxy and billing B2BUA. See ARCHITECTURE.md in ../shared
// for the layers; each target below has one job and imports only the targets beneath it.
import PackageDescription

/// Release builds of the message-path modules serialise their generic code for the modules that
/// use them, so that ZvonokServer gets `TransactionTable<SIPPeer>`, `RegistrarCore<SIPPeer>` and the
/// like specialised instead of going through runtime generic metadata on every message. Only
/// these targets: the same flag on the whole build crashes swiftc 6.3 on GRDB's SIL.
let crossModuleOptimized: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Zvonok",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        .library(name: "SIPTransaction", targets: ["SIPTransaction"]),
        .library(name: "Numbering", targets: ["Numbering"]),
        .library(name: "Billing", targets: ["Billing"]),
        // The SQLite stores, exported so that Benchmarks/ can measure the billing edge on a real file.
        .library(name: "Storage", targets: ["Storage"]),
        // libosip2, exported only so that Benchmarks/ can measure against it; no Zvonok target uses it.
        .library(name: "COSIP", targets: ["COSIP"]),
        .executable(name: "zvonokd", targets: ["zvonokd"]),
        .executable(name: "zvonokctl", targets: ["zvonokctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // Configuration: the YAML trait brings its YAML file snapshot (and Yams with it).
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        // Used directly only to walk the YAML document's keys, so that a misspelt key is an error.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // SQLite, the embedded default database.
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // Pure: SIP message and URI model, parser, framing, serializer, validation, and the digest
        // authentication math of RFC 7616/8760 (hashes through OpenSSL's libcrypto).
        .target(name: "SIPCore", dependencies: ["COpenSSL"], swiftSettings: crossModuleOptimized),
        // Pure: the four transaction state machines of RFC 3261 §17 (with RFC 6026), the
        // transaction table, and the transaction-user protocol the registrar, proxy and B2BUA implement.
        .target(name: "SIPTransaction", dependencies: ["SIPCore"], swiftSettings: crossModuleOptimized),
        // OpenSSL's libcrypto (Debian libssl-dev): EVP digests, HMAC, CRYPTO_memcmp.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Pure, imports nothing: E.164 normalisation, classification by prefix, longest-prefix tables.
        // The prefix table is a data file shipped as a resource (copied verbatim), not code.
        .target(name: "Numbering", resources: [.copy("Data")]),
        // libosip2 (Debian libosip2-dev): the conformance and speed oracle for tests and benchmarks only.
        .systemLibrary(
            name: "COSIP",
            providers: [.apt(["libosip2-dev"])]
        ),
        // Pure: REGISTER (§10), digest challenge/verify, the location service; declares AccountStore.
        .target(name: "Registrar", dependencies: ["SIPCore", "SIPTransaction"], swiftSettings: crossModuleOptimized),
        // Pure: the stateful proxy of §16 (routing, forking, Record-Route, response selection, CANCEL).
        .target(name: "Proxy", dependencies: ["SIPCore", "SIPTransaction", "Registrar"], swiftSettings: crossModuleOptimized),
        // Pure: dialog state of RFC 3261 §12 (ids, route sets, CSeq, in-dialog requests) and RFC 4028
        // session-timer bookkeeping.
        .target(name: "SIPDialog", dependencies: ["SIPCore"]),
        // Pure: the B2BUA of paid calls and SMS to phone numbers through upstream trunks: billing as
        // actions and answers, trunk digest auth and failover, topology hiding, credit and session timers.
        .target(name: "B2BUA", dependencies: ["SIPCore", "SIPTransaction", "SIPDialog", "Billing", "Numbering"]),
        // I/O edge: SQLite (GRDB) implementations of the store protocols, migrations.
        // Also the billing edge: the `LedgerStore` Billing declares, tariffs, CDRs and `BillingService`,
        // which runs the pure credit-control core against the database.
        .target(name: "Storage", dependencies: ["Registrar", "Billing", "Numbering", .product(name: "GRDB", package: "GRDB.swift")]),
        // Pure: money as integer minor units, tariffs and increments, trial minutes, free directions,
        // credit reservations and settlement (RFC 4006-style), the ledger, CDRs; declares `LedgerStore`.
        // Takes normalised E.164 digits; its prefix tables are Numbering's `PrefixTable`.
        .target(name: "Billing", dependencies: ["Numbering"]),
        // I/O edge: UDP and TCP sockets on Dispatch, the connection table, RFC 3581.
        .target(name: "SIPTransport", dependencies: ["SIPCore", "CDatagramBatch"], swiftSettings: crossModuleOptimized),
        // recvmmsg(2) and thread naming, which the Swift Glibc module does not show.
        .target(name: "CDatagramBatch"),
        // The configuration model, loading (YAML file + ZVONOK_ environment) and validation.
        .target(
            name: "ZvonokConfig",
            dependencies: [
                "SIPCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Composition root: workers, timer wheels, the server, logging, metrics, lifecycle, the daemon.
        .target(
            name: "ZvonokServer",
            dependencies: [
                "SIPCore", "SIPTransaction", "SIPTransport", "ZvonokConfig", "Registrar", "Proxy", "Storage", "Billing", "B2BUA", "Numbering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "zvonokd", dependencies: ["ZvonokServer"]),
        // Test support, pure: a seeded random generator, a simulated clock, timers and a lossy
        // datagram network, and the bounded drive loop of the simulation tests.
        .target(name: "ZvonokTesting", dependencies: ["SIPCore", "SIPTransaction"]),
        // The operator CLI's commands, a library so that tests can run them.
        .target(
            name: "ZvonokCtlCommands",
            dependencies: [
                "SIPCore", "Registrar", "Storage", "ZvonokConfig", "Billing", "Numbering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "zvonokctl", dependencies: ["ZvonokCtlCommands"]),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore", "COSIP"], exclude: ["Fixtures"]),
        .testTarget(name: "SIPTransactionTests", dependencies: ["SIPTransaction", "SIPCore"]),
        .testTarget(name: "NumberingTests", dependencies: ["Numbering"]),
        .testTarget(name: "BillingTests", dependencies: ["Billing"]),
        .testTarget(name: "SIPTransportTests", dependencies: ["SIPTransport", "SIPCore"]),
        .testTarget(name: "ZvonokConfigTests", dependencies: ["ZvonokConfig", "SIPCore"]),
        .testTarget(name: "ZvonokServerTests", dependencies: ["ZvonokServer", "SIPTransaction", "SIPTransport", "SIPCore", "B2BUA", "Billing", "Storage"]),
        .testTarget(name: "RegistrarTests", dependencies: ["Registrar", "SIPCore"]),
        .testTarget(name: "SIPDialogTests", dependencies: ["SIPDialog", "SIPCore"]),
        .testTarget(name: "B2BUATests", dependencies: ["B2BUA", "SIPDialog", "SIPTransaction", "SIPCore", "Billing", "Numbering"]),
        .testTarget(name: "ProxyTests", dependencies: ["Proxy", "Registrar", "SIPTransaction", "SIPCore"]),
        // The crash test's child: reserves credit on a SQLite file and waits to be killed with SIGKILL
        // (StorageTests/LedgerCrashTests runs it as a real process). Test support, not shipped.
        .executableTarget(name: "zvonok-ledger-crash-child", dependencies: ["Storage", "Billing"], path: "Tests/LedgerCrashChild"),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Registrar", "Billing", "Numbering"]),
        .testTarget(name: "ZvonokCtlTests", dependencies: ["ZvonokCtlCommands", "SIPCore", "Registrar", "Storage", "Billing"]),
        // Many user agents and a server over a seeded lossy network, invariants checked (ARCHITECTURE "Tests, in layers" 3).
        .testTarget(name: "SimulationTests", dependencies: ["ZvonokTesting", "SIPTransaction", "SIPCore", "B2BUA", "Billing", "Numbering"]),
    ],
    swiftLanguageModes: [.v6]
)
