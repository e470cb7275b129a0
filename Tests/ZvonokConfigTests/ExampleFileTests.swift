import Foundation
import Testing
@testable import ZvonokConfig

/// The shipped files: `etc/zvonok.yaml` (what the README runs) and `etc/zvonok.production.yaml`
/// (what the installer puts in /etc/zvonok) load cleanly, set every key, and differ as intended.
@Suite struct ExampleFileTests {
    static let example = Support.repository.appendingPathComponent("etc/zvonok.yaml").path
    static let production = Support.repository.appendingPathComponent("etc/zvonok.production.yaml").path

    @Test func theDeveloperExampleLoadsOnLoopback() async throws {
        let loaded = try await ConfigurationLoader.load(file: Self.example, environment: [:], coreCount: 2)
        #expect(loaded.listen.map(\.description)
            == ["udp:127.0.0.1:5060", "tcp:127.0.0.1:5060", "udp:[::1]:5060", "tcp:[::1]:5060"])
        #expect(loaded.listen.allSatisfy { HostSyntax.isLoopback(HostSyntax.ipBytes(Substring($0.address))!) })
        #expect(loaded.domain == "zvonok.example")
        #expect(loaded.database.path == "./zvonok.sqlite")
        #expect(loaded.workers == 2)
        #expect(!loaded.metrics.isExposedBeyondLoopback)
    }

    @Test func theProductionFileUsesTheDefaultsForSocketsAndStore() async throws {
        let loaded = try await ConfigurationLoader.load(file: Self.production, environment: [:], coreCount: 2)
        #expect(loaded.listen == ZvonokConfiguration.defaultListen)
        #expect(loaded.database.path == ZvonokConfiguration.defaults.database.path)
        #expect(loaded.log.level == .info)
        let example = try await ConfigurationLoader.load(file: Self.example, environment: [:], coreCount: 2)
        #expect(example.changedKeys(to: loaded) == ["listen", "log.level", "database.path"])
        #expect(example.restartRequiredChanges(to: loaded) == ["listen", "database.path"])
    }

    @Test(arguments: [example, production])
    func everyKeyIsWrittenAndCommented(path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        for key in ConfigurationKeys.all {
            let name = String(key.split(separator: ".").last!)
            let indent = key.contains(".") ? "  " : ""
            guard let index = lines.firstIndex(where: { $0.hasPrefix(indent + name + ":") }) else {
                Issue.record("\(key) is not in \(path)")
                continue
            }
            #expect(index > 0 && lines[index - 1].trimmingCharacters(in: .whitespaces).hasPrefix("#"),
                    "\(key) in \(path) has no comment above it")
        }
    }
}

/// README.md's table of keys is the one the loader uses: same keys, variable names and reload
/// behaviour.
@Suite struct ReadmeTableTests {
    @Test func theReadmeTableMatchesTheKeys() throws {
        let readme = try String(contentsOf: Support.repository.appendingPathComponent("README.md"), encoding: .utf8)
        var rows: [String: (variable: String, reload: String)] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 4 else { continue }
            let key = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            guard ConfigurationKeys.all.contains(key) else { continue }
            rows[key] = (cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), cells[3])
        }
        #expect(Set(rows.keys) == Set(ConfigurationKeys.all))
        for key in ConfigurationKeys.all {
            guard let row = rows[key] else { continue }
            #expect(row.variable == ConfigurationKeys.environmentVariableName(forKey: key), "\(key)")
            #expect(row.reload == (ConfigurationKeys.restartRequired.contains(key) ? "restart" : "live"), "\(key)")
        }
    }
}
