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
        // Configuration: the YAML trait brings its YAML file snapshot (and Yams with it).
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: [.defaults, "YAML"]),
        // Used directly only to walk the YAML document's keys, so that a misspelt key is an error.
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
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
        // The configuration model, loading (YAML file + ZVONOK_ environment) and validation.
        .target(
            name: "ZvonokConfig",
            dependencies: [
                "SIPCore",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "SIPCoreTests", dependencies: ["SIPCore", "COSIP"], exclude: ["Fixtures"]),
        .testTarget(name: "ZvonokCtlTests", dependencies: ["ZvonokCtlCommands", "SIPCore"]),
        .testTarget(name: "ZvonokConfigTests", dependencies: ["ZvonokConfig"]),
    ],
    swiftLanguageModes: [.v6]
)
