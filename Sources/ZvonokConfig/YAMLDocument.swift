import Foundation
import Yams

/// What the loader learns from walking the configuration file's YAML tree itself, which
/// swift-configuration's snapshot does not tell: keys no one reads (a misspelling would
/// otherwise be ignored in silence), values of the wrong shape, and keys written without a value.
struct YAMLDocument {
    /// Whether the file has a mapping to read values from (an empty file has none).
    var hasContent: Bool
    /// Problems with the file's structure, each naming its key and line.
    var problems: [ConfigurationProblem]
    /// Keys written with no value (`key:`, `key: ~`, `key: null`): they take their defaults.
    var nullKeys: Set<String>
    /// The entries of the `trunks:` mapping, in file order.
    var trunkNames: [String] = []

    static let empty = YAMLDocument(hasContent: false, problems: [], nullKeys: [])

    /// The largest configuration file read: a few kilobytes is typical, so anything near this is
    /// the wrong file.
    static let maxFileBytes = 1_048_576

    /// A walked document, or the one problem that kept the file from being read at all.
    enum Outcome {
        case success(YAMLDocument)
        case failure(ConfigurationProblem)
    }

    /// Reads and walks the file at `path`; a failure is the single problem that stops the file
    /// from being read at all.
    static func read(path: String) -> Outcome {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ConfigurationProblem(key: path, message: "configuration file not found"))
        }
        guard !isDirectory.boolValue else {
            return .failure(ConfigurationProblem(key: path, message: "is a directory, not a configuration file"))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(ConfigurationProblem(key: path, message: "configuration file cannot be read (permissions?)"))
        }
        guard data.count <= maxFileBytes else {
            return .failure(ConfigurationProblem(
                key: path, message: "is \(data.count) bytes, more than a configuration file may be (\(maxFileBytes))"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(ConfigurationProblem(key: path, message: "is not UTF-8 text"))
        }
        return parse(text, path: path)
    }

    /// Parses and walks YAML `text`; `path` names the file in problems.
    static func parse(_ text: String, path: String) -> Outcome {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            return .failure(ConfigurationProblem(key: path, message: "invalid YAML: \(summary(of: error))"))
        }
        guard let root, root.null == nil else { return .success(YAMLDocument.empty) }
        guard let mapping = root.mapping else {
            return .failure(ConfigurationProblem(
                key: path, message: "the top level must be a mapping of keys (such as domain: zvonok.example)"))
        }
        var document = YAMLDocument(hasContent: true, problems: [], nullKeys: [])
        document.walk(mapping, path: [], file: path)
        return .success(document)
    }

    private mutating func walk(_ mapping: Node.Mapping, path: [String], file: String) {
        let known = ConfigurationKeys.all
        for (keyNode, value) in mapping {
            guard let component = keyNode.scalar?.string else {
                let at = path.isEmpty ? file : path.joined(separator: ".")
                report(at, "a key that is not a string", keyNode)
                continue
            }
            let key = (path + [component]).joined(separator: ".")
            if path.isEmpty, key == ConfigurationKeys.trunksSection {
                walkTrunks(value, file: file)
            } else if known.contains(key) {
                if value.null != nil {
                    nullKeys.insert(key)
                } else if value.mapping != nil {
                    report(key, "expected a value, found a mapping", value)
                } else if let sequence = value.sequence {
                    // swift-configuration's snapshot refuses a list holding anything but scalars.
                    for (index, item) in sequence.enumerated() where item.scalar == nil {
                        report("\(key)[\(index)]", "expected a string, found a \(item.mapping != nil ? "mapping" : "list")", item)
                    }
                }
            } else if path.isEmpty, let members = ConfigurationKeys.sections[key] {
                if let section = value.mapping {
                    walk(section, path: [key], file: file)
                } else if value.null == nil {
                    report(key, "expected a mapping with the keys \(members.joined(separator: ", "))", value)
                }
            } else {
                let candidates = known + ConfigurationKeys.sections.keys.sorted() + [ConfigurationKeys.trunksSection]
                let hint = ConfigurationKeys.suggestion(for: key, among: candidates).map { "; did you mean \($0)?" }
                report(key, "unknown key", keyNode, hint: hint ?? "")
            }
        }
    }

    /// `trunks:`: a mapping of trunk names to mappings of `Trunk.keys`.
    private mutating func walkTrunks(_ value: Node, file: String) {
        let section = ConfigurationKeys.trunksSection
        guard value.null == nil else { return }
        guard let trunks = value.mapping else {
            report(section, "expected a mapping of trunk names to their settings (trunks: { main: { address: … } })", value)
            return
        }
        for (nameNode, entry) in trunks {
            guard let name = nameNode.scalar?.string else {
                report(section, "a trunk name that is not a string", nameNode)
                continue
            }
            let prefix = "\(section).\(name)"
            guard let fields = entry.mapping else {
                report(prefix, "expected a mapping with the keys \(ZvonokConfiguration.Trunk.keys.joined(separator: ", "))", entry)
                continue
            }
            trunkNames.append(name)
            for (fieldNode, fieldValue) in fields {
                guard let field = fieldNode.scalar?.string else {
                    report(prefix, "a key that is not a string", fieldNode)
                    continue
                }
                let key = "\(prefix).\(field)"
                guard ZvonokConfiguration.Trunk.keys.contains(field) else {
                    let hint = ConfigurationKeys.suggestion(for: field, among: ZvonokConfiguration.Trunk.keys).map { "; did you mean \($0)?" }
                    report(key, "unknown key", fieldNode, hint: hint ?? "")
                    continue
                }
                if fieldValue.null != nil {
                    nullKeys.insert(key)
                } else if fieldValue.mapping != nil {
                    report(key, "expected a value, found a mapping", fieldValue)
                } else if let sequence = fieldValue.sequence {
                    for (index, item) in sequence.enumerated() where item.scalar == nil {
                        report("\(key)[\(index)]", "expected a string, found a \(item.mapping != nil ? "mapping" : "list")", item)
                    }
                }
            }
        }
    }

    private mutating func report(_ key: String, _ message: String, _ node: Node, hint: String = "") {
        let line = node.mark.map { " (line \($0.line))" } ?? ""
        problems.append(ConfigurationProblem(key: key, message: message + line + hint))
    }

    /// One line for a Yams error: the problem and where, without the echoed document.
    private static func summary(of error: any Error) -> String {
        guard let yamlError = error as? YamlError else { return "\(error)" }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let contextText = context.map { " \($0.text)" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(contextText)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            let line = context.mark.line
            return "duplicate key \(duplicates.joined(separator: ", ")) in the mapping at line \(line)"
        default:
            return "\(yamlError)".split(separator: "\n").joined(separator: "; ")
        }
    }
}
