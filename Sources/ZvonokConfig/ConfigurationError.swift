/// One thing wrong with a configuration: the key (or, for a problem with the file itself, the
/// file's path) and what is wrong with it.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// The full key (`timers.t2Milliseconds`, `listen[2]`), an environment variable name for an
    /// unknown `ZVONOK_…` variable, or the file's path.
    public let key: String
    /// What is wrong, e.g. `100 is less than timers.t1Milliseconds (500)`.
    public let message: String

    /// A problem with `key`.
    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    /// `key: message`.
    public var description: String { "\(key): \(message)" }
}

/// A configuration that could not be loaded, with every problem found (not just the first), so
/// that an operator fixes them all in one pass. `description` lists them one per line.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The problems, in the order they were found: the file, then key by key in table order,
    /// then the checks between keys.
    public let problems: [ConfigurationProblem]

    /// An error carrying `problems` (at least one).
    public init(problems: [ConfigurationProblem]) {
        precondition(!problems.isEmpty, "a ConfigurationError needs at least one problem")
        self.problems = problems
    }

    /// One `key: message` line per problem.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
