// swift-tools-version: 6.1
// Zvonok: a SIP registrar, stateful proxy and billing B2BUA. See ARCHITECTURE.md in ../shared
// for the layers; each target below has one job and imports only the targets beneath it.
import PackageDescription

let package = Package(
    name: "Zvonok",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "SIPCore", targets: ["SIPCore"]),
        // libosip2, exported only so that Benchmarks/ can measure against it; no Zvonok target uses it.
        .library(name: "COSIP", targets: ["COSIP"]),
        .executable(name: "zvonokctl", targets: ["zvonokctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Pure: SIP message and URI model, parser, framing, serializer, validation.
        .target(name: "SIPCore"),
        // libosip2 (Debian libosip2-dev): the conformance and speed oracle for tests and benchmarks only.
        .systemLibrary(
            name: "COSIP",
            providers: [.apt(["libosip2-dev"])]
        ),
        // The operator CLI's commands, a library so that tests can run them.
        .target(
            name: "ZvonokCtlCommands",
            dependencies: [
                "SIPCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "zvonokctl", dependencies: ["ZvonokCtlCommands"]),
        // I/O edge: UDP and TCP sockets on Dispatch, the connection table, RFC 3581.
        .target(name: "SIPTransport", dependencies: ["SIPCore"]),
        // Composition root: wires transport, transactions and the TU cores; logging, metrics, systemd.
        .target(
            name: "ZvonokServer",
            dependencies: [
                "SIPCore",
                "SIPTransport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore", "COSIP"], exclude: ["Fixtures"]),
        .testTarget(name: "ZvonokCtlTests", dependencies: ["ZvonokCtlCommands", "SIPCore"]),
        .testTarget(name: "SIPTransportTests", dependencies: ["SIPTransport", "SIPCore"]),
        .testTarget(name: "ZvonokServerTests", dependencies: ["ZvonokServer"]),
    ],
    swiftLanguageModes: [.v6]
)
