import SIPCore

/// Which worker owns a message (ARCHITECTURE "Workers and threads"): a hash of the Call-ID, so
/// every transaction, dialog and call of one Call-ID lives on one serial queue and the hot path
/// takes no locks. FNV-1a: stable across runs and cheap over a few dozen bytes.
public enum CallIDPartition {
    /// The owning worker of `message` among `workerCount`; messages without a readable Call-ID go
    /// to worker 0 (validation answers them there).
    public static func worker(for message: SIPMessage, workerCount: Int) -> Int {
        guard workerCount > 1, let callID = try? message.callID() else { return 0 }
        return worker(forCallID: callID.bytes, workerCount: workerCount)
    }

    public static func worker(forCallID bytes: some Sequence<UInt8>, workerCount: Int) -> Int {
        var hash = FNV1a()
        hash.combine(bytes)
        return Int(hash.value % UInt64(max(workerCount, 1)))
    }
}
