import COSIP

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Fields libosip2 extracts from a message; the differential tests compare them with SIPCore's.
struct OsipVia: Equatable, Sendable { var host: String; var port: String?; var branch: String? }
struct OsipFields: Equatable, Sendable {
    var isRequest: Bool
    var method: String?          // request method
    var requestURI: String?      // osip_uri_to_str of the Request-URI
    var statusCode: Int?         // response code
    var callID: String?          // "number@host" or "number"
    var cseqNumber: String?
    var cseqMethod: String?
    var fromURI: String?         // osip_uri_to_str of From's URI
    var fromTag: String?
    var toURI: String?
    var toTag: String?
    var vias: [OsipVia]
    var contactURIs: [String]    // osip_uri_to_str of each Contact (empty for Contact: * )
    var contentLength: String?
    var body: [UInt8]            // first body's bytes as osip holds it (osip_message_get_body / body->body, length body->length), or [] if none
}

enum OsipOracle {
    /// libosip2's parser tables must be built once before any parse; a static let runs its
    /// initialiser exactly once (swift_once), so concurrent tests can share it. Debian builds
    /// libosip2 with tracing on, and every rejected message would print "| ERROR | ..." lines
    /// to stdout, so all trace levels are switched off here too.
    private static let parserReady: Bool = {
        osip_trace_initialize_func(TRACE_LEVEL0, { _, _, _, _, _ in })
        return parser_init() == 0
    }()

    /// Parses with osip_message_parse; nil when libosip2 rejects the bytes. Calls parser_init() once (thread-safe, e.g. a static let).
    static func parse(_ bytes: [UInt8]) -> OsipFields? {
        guard parserReady else { return nil }

        var message: UnsafeMutablePointer<osip_message_t>?
        guard osip_message_init(&message) == 0, let msg = message else { return nil }
        defer { osip_message_free(msg) }

        // osip_message_parse copies `length` bytes into its own NUL-terminated buffer, so the
        // input needs no terminator. It then scans the headers as a C string: a NUL byte in the
        // header block ends the message early (RFC 4475 intmeth.dat is rejected for that);
        // NULs in the body survive because the body is copied by Content-Length.
        let status: Int32 = bytes.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress, buffer.count > 0 else { return -1 }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                osip_message_parse(msg, $0, buffer.count)
            }
        }
        guard status == 0 else { return nil }

        let m = msg.pointee
        let isRequest = m.status_code == 0  // MSG_IS_REQUEST

        var fields = OsipFields(
            isRequest: isRequest,
            method: isRequest ? string(m.sip_method) : nil,
            requestURI: isRequest ? uriString(m.req_uri) : nil,
            statusCode: isRequest ? nil : Int(m.status_code),
            callID: nil,
            cseqNumber: nil,
            cseqMethod: nil,
            fromURI: nil,
            fromTag: nil,
            toURI: nil,
            toTag: nil,
            vias: [],
            contactURIs: [],
            contentLength: nil,
            body: []
        )

        if let callID = m.call_id {
            if let number = string(callID.pointee.number) {
                if let host = string(callID.pointee.host) {
                    fields.callID = number + "@" + host
                } else {
                    fields.callID = number
                }
            }
        }

        if let cseq = m.cseq {
            fields.cseqNumber = string(cseq.pointee.number)
            fields.cseqMethod = string(cseq.pointee.method)
        }

        if let from = m.from {
            fields.fromURI = uriString(from.pointee.url)
            fields.fromTag = param(named: "tag", in: &from.pointee.gen_params)
        }
        if let to = m.to {
            fields.toURI = uriString(to.pointee.url)
            fields.toTag = param(named: "tag", in: &to.pointee.gen_params)
        }

        var pos: Int32 = 0
        while true {
            var via: UnsafeMutablePointer<osip_via_t>?
            guard osip_message_get_via(msg, pos, &via) >= 0, let via else { break }
            fields.vias.append(OsipVia(
                host: string(via.pointee.host) ?? "",
                port: string(via.pointee.port),
                branch: param(named: "branch", in: &via.pointee.via_params)
            ))
            pos += 1
        }

        pos = 0
        while true {
            var contact: UnsafeMutablePointer<osip_contact_t>?
            guard osip_message_get_contact(msg, pos, &contact) >= 0, let contact else { break }
            // Contact: * is held as displayname "*" with no URI.
            if let uri = uriString(contact.pointee.url) {
                fields.contactURIs.append(uri)
            }
            pos += 1
        }

        if let contentLength = m.content_length {
            fields.contentLength = string(contentLength.pointee.value)
        }

        var body: UnsafeMutablePointer<osip_body_t>?
        if osip_message_get_body(msg, 0, &body) >= 0, let body, let data = body.pointee.body {
            let count = body.pointee.length
            fields.body = data.withMemoryRebound(to: UInt8.self, capacity: count) {
                Array(UnsafeBufferPointer(start: $0, count: count))
            }
        }

        return fields
    }

    /// A C string libosip2 owns, copied (invalid UTF-8 is repaired with U+FFFD).
    private static func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// osip_uri_to_str of `uri`, or nil when there is no URI or libosip2 cannot print it.
    private static func uriString(_ uri: UnsafeMutablePointer<osip_uri_t>?) -> String? {
        guard let uri else { return nil }
        var out: UnsafeMutablePointer<CChar>?
        guard osip_uri_to_str(uri, &out) == 0, let out else { return nil }
        // osip_malloc is plain malloc unless osip_set_allocators was called (nothing here does),
        // so free() is osip_free's behaviour.
        defer { free(out) }
        return String(cString: out)
    }

    /// Value of the first generic parameter `name` (case-insensitive, as libosip2 matches it);
    /// nil when absent or present without a value.
    private static func param(named name: String, in list: UnsafeMutablePointer<osip_list_t>) -> String? {
        var found: UnsafeMutablePointer<osip_uri_param_t>?
        let rc = name.withCString { cName in
            osip_uri_param_get_byname(list, UnsafeMutablePointer(mutating: cName), &found)
        }
        guard rc == 0, let found else { return nil }
        return string(found.pointee.gvalue)
    }
}
