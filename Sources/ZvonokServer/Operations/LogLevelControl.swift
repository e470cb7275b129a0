import Logging
import Synchronization

/// The minimum log level every `JournalLogHandler` reads on each log call, changeable at run time
/// from any thread (a SIGHUP reload sets `level` from the new `log.level`, and every logger in the
/// process follows at once, including loggers created before the change).
///
/// One atomic byte: reading it costs a relaxed load, so `logger.debug(...)` below the level stays
/// off the hot path's budget.
public final class LogLevelControl: Sendable {
    private let raw: Atomic<UInt8>

    /// A control starting at `level`.
    public init(_ level: Logger.Level) {
        raw = Atomic(Self.code(level))
    }

    /// The current minimum level; records below it are dropped.
    public var level: Logger.Level {
        get { Self.level(raw.load(ordering: .relaxed)) }
        set { raw.store(Self.code(newValue), ordering: .relaxed) }
    }

    private static func code(_ level: Logger.Level) -> UInt8 {
        switch level {
        case .trace: 0
        case .debug: 1
        case .info: 2
        case .notice: 3
        case .warning: 4
        case .error: 5
        case .critical: 6
        }
    }

    private static func level(_ code: UInt8) -> Logger.Level {
        switch code {
        case 0: .trace
        case 1: .debug
        case 2: .info
        case 3: .notice
        case 4: .warning
        case 5: .error
        default: .critical
        }
    }
}
