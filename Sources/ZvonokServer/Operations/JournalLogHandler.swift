#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// A swift-log handler for a service run by systemd: one line per record on standard error in
/// the form journald parses (`<6>label: message key=value`, see `JournalLineFormat`), written
/// with a single `write(2)` so that lines from different threads never interleave.
///
/// The minimum level comes from a shared `LogLevelControl`, read on every call, so changing it
/// (SIGHUP reload) applies to every logger at once. Setting `logger.logLevel` on one logger pins
/// that logger's copy to the given level instead (swift-log's per-logger value semantics).
public struct JournalLogHandler: LogHandler {
    /// The logger's label, written before the message.
    public let label: String
    /// Metadata attached to this logger (`logger[metadataKey:]`).
    public var metadata: Logger.Metadata = [:]
    /// Metadata contributed by the task context on every record.
    public var metadataProvider: Logger.MetadataProvider?

    private let control: LogLevelControl
    private var pinnedLevel: Logger.Level?
    private let includeTimestamp: Bool
    private let sink: LogSink

    /// A handler for `label` reading its level from `control`, writing lines into `sink`.
    /// `includeTimestamp` adds an ISO-8601 UTC time (for a terminal; journald stamps records).
    public init(
        label: String, control: LogLevelControl, includeTimestamp: Bool = false,
        sink: LogSink = .standardError, metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.control = control
        self.includeTimestamp = includeTimestamp
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    /// The shared control's level, unless this logger's copy was given its own.
    public var logLevel: Logger.Level {
        get { pinnedLevel ?? control.level }
        set { pinnedLevel = newValue }
    }

    /// One metadata value of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes `event` as one line when its level is at or above `logLevel`; metadata is this
    /// logger's, then the provider's, then the event's (later wins), plus the event's error.
    public func log(event: LogEvent) {
        guard event.level >= logLevel else { return }
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error, merged["error"] == nil { merged["error"] = "\(error)" }
        var now: timespec?
        if includeTimestamp {
            var time = timespec()
            clock_gettime(CLOCK_REALTIME, &time)
            now = time
        }
        let line = JournalLineFormat.line(
            level: event.level, label: label, message: event.message.description, metadata: merged,
            timestamp: now)
        line.withUnsafeBytes { sink.write($0) }
    }

    private static let bootstrapped = Mutex<LogLevelControl?>(nil)

    /// Makes `JournalLogHandler` the process's log handler (`LoggingSystem.bootstrap`, which may
    /// run only once) and returns the level control to change on reload. Later calls do not
    /// bootstrap again: they set the existing control to `level` and return it (the first call's
    /// `includeTimestamp` stays).
    @discardableResult
    public static func bootstrap(level: Logger.Level, includeTimestamp: Bool = false) -> LogLevelControl {
        bootstrapped.withLock { existing in
            if let existing {
                existing.level = level
                return existing
            }
            let control = LogLevelControl(level)
            LoggingSystem.bootstrap({ label, provider in
                JournalLogHandler(
                    label: label, control: control, includeTimestamp: includeTimestamp,
                    metadataProvider: provider)
            }, metadataProvider: nil)
            existing = control
            return control
        }
    }
}
