// swift-tools-version: 6.1
// Zvonok benchmarks: a separate package so that the root package never depends on
// ordo-one/benchmark (or its malloc interposer). Run from this directory, see README.md.
import PackageDescription

let package = Package(
    name: "ZvonokBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Zvonok", path: ".."),
        // Traits listed explicitly: only "MallocInterposer" (malloc counts). This leaves out the
        // default "RuntimeInterposer" trait, whose ordo-one/swift-runtime-interposer dependency
        // (Linux, Swift 6.3 only) is not mirrored here.
        .package(
            url: "https://github.com/ordo-one/benchmark",
            exact: "1.38.1",
            traits: ["MallocInterposer"]
        ),
    ],
    targets: [
        // package-benchmark discovers benchmark targets by their path: Benchmarks/<Name>.
        .executableTarget(
            name: "SIPParserBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SIPCore", package: "Zvonok"),
                .product(name: "COSIP", package: "Zvonok"),
            ],
            path: "SIPParser",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "SIPTransactionBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SIPCore", package: "Zvonok"),
                .product(name: "SIPTransaction", package: "Zvonok"),
            ],
            path: "SIPTransaction",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "DigestBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SIPCore", package: "Zvonok"),
            ],
            path: "Digest",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "NumberingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Numbering", package: "Zvonok"),
            ],
            path: "Numbering",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
        .executableTarget(
            name: "BillingBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Numbering", package: "Zvonok"),
                .product(name: "Billing", package: "Zvonok"),
                .product(name: "Storage", package: "Zvonok"),
            ],
            path: "Billing",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
