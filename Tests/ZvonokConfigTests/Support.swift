import Foundation
import Testing
@testable import ZvonokConfig

/// Helpers shared by the configuration tests: temporary YAML files and loading that returns the
/// problems instead of throwing.
enum Support {
    /// The repository root, found from this file's path.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Writes `yaml` to a new temporary file and returns its path; the directory is removed when
    /// `body` returns.
    static func withFile<T>(_ yaml: String, _ body: (String) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zvonok-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("zvonok.yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return try await body(path)
    }

    /// Loads `yaml` (nil: no file) with `environment`; a domain is supplied through the
    /// environment unless the test gives one, so that each test sees only its own problems.
    static func load(yaml: String?, environment: [String: String] = [:], coreCount: Int = 4,
                     supplyDomain: Bool = true) async throws -> ZvonokConfiguration {
        var environment = environment
        if supplyDomain, environment["ZVONOK_DOMAIN"] == nil, !(yaml?.contains("domain:") ?? false) {
            environment["ZVONOK_DOMAIN"] = "zvonok.example"
        }
        guard let yaml else {
            return try await ConfigurationLoader.load(file: nil, environment: environment, coreCount: coreCount)
        }
        return try await withFile(yaml) { path in
            try await ConfigurationLoader.load(file: path, environment: environment, coreCount: coreCount)
        }
    }

    /// The problems `load` reports, as `key: message` lines; fails the test when it loads.
    static func problems(yaml: String?, environment: [String: String] = [:], supplyDomain: Bool = true,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        do {
            let configuration = try await load(yaml: yaml, environment: environment, supplyDomain: supplyDomain)
            Issue.record("expected a ConfigurationError, loaded \(configuration)", sourceLocation: sourceLocation)
            return []
        } catch let error as ConfigurationError {
            #expect(error.description == error.problems.map(\.description).joined(separator: "\n"),
                    sourceLocation: sourceLocation)
            return error.problems.map(\.description)
        }
    }
}
