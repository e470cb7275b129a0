// The libosip2 half of the SIP parser benchmarks: the speed oracle that SIPCore is measured against.
//
// One operation = osip_message_init + osip_message_parse + reading the fields a proxy needs
// (top Via host and branch, Call-ID, CSeq, From/To tags, Max-Forwards, first Route) through
// osip's getters + osip_message_free. Field values are read as osip hands them out (C strings
// inside the parsed message); they are not copied into Swift Strings, so the measurement is
// libosip2's own work and allocations only.

import COSIP

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Calls libosip2's `parser_init()` exactly once per process (it builds osip's header lookup tables).
enum OsipRuntime {
    // Swift runs a global's initializer lazily, once, thread-safely.
    private static let initialized: Int32 = parser_init()

    static func ensureInitialized() {
        precondition(initialized == 0, "libosip2 parser_init() failed: \(initialized)")
    }
}

/// The fields read after each parse. Plain C pointers into the osip message: only valid until
/// `osip_message_free`, so only ever compared against nil or passed to `blackHole`.
struct OsipFields {
    var topViaHost: UnsafeMutablePointer<CChar>?
    var topViaBranch: UnsafeMutablePointer<CChar>?
    var callIDNumber: UnsafeMutablePointer<CChar>?
    var callIDHost: UnsafeMutablePointer<CChar>?
    var cseqNumber: UnsafeMutablePointer<CChar>?
    var cseqMethod: UnsafeMutablePointer<CChar>?
    var fromTag: UnsafeMutablePointer<CChar>?
    var toTag: UnsafeMutablePointer<CChar>?
    var maxForwards: UnsafeMutablePointer<CChar>?
    var firstRoute: UnsafeMutablePointer<osip_route_t>?

    /// A cheap value that depends on every field, to hand to `blackHole`. Written without an
    /// array so that it allocates nothing inside the measured loop.
    var checksum: Int {
        @inline(__always) func firstByte(_ pointer: UnsafeMutablePointer<CChar>?) -> Int {
            pointer.map { Int($0.pointee) } ?? 0
        }
        return firstByte(topViaHost) &+ firstByte(topViaBranch) &+ firstByte(callIDNumber)
            &+ firstByte(callIDHost) &+ firstByte(cseqNumber) &+ firstByte(cseqMethod)
            &+ firstByte(fromTag) &+ firstByte(toTag) &+ firstByte(maxForwards)
            &+ (firstRoute == nil ? 0 : 1)
    }
}

/// Parses one SIP message with libosip2, reads the benchmark's fields, frees the message.
///
/// osip's `*_get_byname` functions take a non-const `char *` name, so the names are kept as
/// C strings owned by this value for its lifetime (they are never written to).
final class OsipBaseline {
    private let branchName = strdup("branch")!
    private let tagName = strdup("tag")!
    private let maxForwardsName = strdup("max-forwards")!

    init() {
        OsipRuntime.ensureInitialized()
    }

    deinit {
        free(branchName)
        free(tagName)
        free(maxForwardsName)
    }

    /// One measured operation: init, parse, read the fields, free. Returns nil if osip fails to parse.
    @inline(__always)
    func parseAndRead(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var message: UnsafeMutablePointer<osip_message_t>?
        guard osip_message_init(&message) == 0, let message else { return nil }
        defer { osip_message_free(message) }
        let parsed = bytes.withMemoryRebound(to: CChar.self) { chars in
            osip_message_parse(message, chars.baseAddress, chars.count)
        }
        guard parsed == 0 else { return nil }
        return readFields(message).checksum
    }

    /// The same fields a SIPCore benchmark must read; see the file comment.
    func readFields(_ message: UnsafeMutablePointer<osip_message_t>) -> OsipFields {
        var fields = OsipFields()

        var via: UnsafeMutablePointer<osip_via_t>?
        if osip_message_get_via(message, 0, &via) >= 0, let via {
            fields.topViaHost = via_get_host(via)
            var branch: UnsafeMutablePointer<osip_uri_param_t>?
            if osip_uri_param_get_byname(&via.pointee.via_params, branchName, &branch) == 0, let branch {
                fields.topViaBranch = branch.pointee.gvalue
            }
        }

        if let callID = osip_message_get_call_id(message) {
            fields.callIDNumber = osip_call_id_get_number(callID)
            fields.callIDHost = osip_call_id_get_host(callID)
        }

        if let cseq = osip_message_get_cseq(message) {
            fields.cseqNumber = osip_cseq_get_number(cseq)
            fields.cseqMethod = osip_cseq_get_method(cseq)
        }

        var param: UnsafeMutablePointer<osip_uri_param_t>?
        if let from = osip_message_get_from(message),
           osip_uri_param_get_byname(&from.pointee.gen_params, tagName, &param) == 0, let param {
            fields.fromTag = param.pointee.gvalue
        }
        param = nil
        if let to = osip_message_get_to(message),
           osip_uri_param_get_byname(&to.pointee.gen_params, tagName, &param) == 0, let param {
            fields.toTag = param.pointee.gvalue
        }

        // Max-Forwards is not a "known" header in osip: it is found by name among the others
        // (what the osip_message_get_max_forwards macro expands to).
        var header: UnsafeMutablePointer<osip_header_t>?
        if osip_message_header_get_byname(message, maxForwardsName, 0, &header) >= 0, let header {
            fields.maxForwards = header.pointee.hvalue
        }

        var route: UnsafeMutablePointer<osip_route_t>?
        if osip_message_get_route(message, 0, &route) >= 0 {
            fields.firstRoute = route
        }
        return fields
    }

    /// Parses once outside any measurement and returns the fields as Swift strings, so that the
    /// benchmark can check that osip really parsed the fixture before timing it.
    func describe(_ bytes: [UInt8]) -> [String: String]? {
        var message: UnsafeMutablePointer<osip_message_t>?
        guard osip_message_init(&message) == 0, let message else { return nil }
        defer { osip_message_free(message) }
        let parsed = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                osip_message_parse(message, chars.baseAddress, chars.count)
            }
        }
        guard parsed == 0 else { return nil }
        let fields = readFields(message)
        func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
            pointer.map { String(cString: $0) } ?? "<none>"
        }
        return [
            "Via host": string(fields.topViaHost),
            "Via branch": string(fields.topViaBranch),
            "Call-ID": fields.callIDHost == nil
                ? string(fields.callIDNumber)
                : string(fields.callIDNumber) + "@" + string(fields.callIDHost),
            "CSeq": string(fields.cseqNumber) + " " + string(fields.cseqMethod),
            "From tag": string(fields.fromTag),
            "To tag": string(fields.toTag),
            "Max-Forwards": string(fields.maxForwards),
            "Route": fields.firstRoute == nil ? "<none>" : "present",
        ]
    }
}
