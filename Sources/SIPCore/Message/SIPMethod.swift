/// A SIP request method (RFC 3261 §7.1, §27.4). Methods are case-sensitive tokens; the ones a
/// server acts on are cases, anything else is an extension method kept as written.
public enum SIPMethod: Sendable, Hashable, CustomStringConvertible {
    case invite, ack, bye, cancel, options, register, message, prack, update, info, refer, notify, subscribe, publish
    case `extension`(ByteString)

    /// The methods defined by RFC 3261 and the extensions listed as cases.
    public static let standard: [SIPMethod] = [
        .invite, .ack, .bye, .cancel, .options, .register, .message, .prack, .update, .info, .refer, .notify,
        .subscribe, .publish,
    ]

    public init(_ token: ByteString) {
        self = token.bytes.withUnsafeBufferPointer { SIPMethod.known($0) } ?? .extension(token)
    }

    public init(_ string: String) { self.init(ByteString(string)) }

    public var isExtension: Bool { if case .extension = self { true } else { false } }

    public var name: String {
        switch self {
        case .invite: "INVITE"
        case .ack: "ACK"
        case .bye: "BYE"
        case .cancel: "CANCEL"
        case .options: "OPTIONS"
        case .register: "REGISTER"
        case .message: "MESSAGE"
        case .prack: "PRACK"
        case .update: "UPDATE"
        case .info: "INFO"
        case .refer: "REFER"
        case .notify: "NOTIFY"
        case .subscribe: "SUBSCRIBE"
        case .publish: "PUBLISH"
        case .extension(let token): token.string
        }
    }

    public var description: String { name }

    /// The known method spelled exactly by `token`, or nil.
    static func known(_ token: UnsafeBufferPointer<UInt8>) -> SIPMethod? {
        @inline(__always) func equal(_ s: StaticString) -> Bool {
            token.count == s.utf8CodeUnitCount && memcmpEqual(token.baseAddress, s.utf8Start, token.count)
        }
        switch token.count {
        case 3: return equal("ACK") ? .ack : equal("BYE") ? .bye : nil
        case 4: return equal("INFO") ? .info : nil
        case 5: return equal("PRACK") ? .prack : equal("REFER") ? .refer : nil
        case 6: return equal("INVITE") ? .invite : equal("CANCEL") ? .cancel : equal("UPDATE") ? .update
            : equal("NOTIFY") ? .notify : nil
        case 7: return equal("OPTIONS") ? .options : equal("MESSAGE") ? .message : equal("PUBLISH") ? .publish : nil
        case 8: return equal("REGISTER") ? .register : nil
        case 9: return equal("SUBSCRIBE") ? .subscribe : nil
        default: return nil
        }
    }
}

@inline(__always)
func memcmpEqual(_ a: UnsafePointer<UInt8>?, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    guard let a else { return count == 0 }
    for i in 0..<count where a[i] != b[i] { return false }
    return true
}
