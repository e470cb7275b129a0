/// Building a response to a request (RFC 3261 §8.2.6): the status line, then Via (all of them,
/// in order), From, To (with a tag added when the request's To has none and the response is not
/// 100), Call-ID and CSeq copied byte for byte, and Content-Length: 0.
extension SIPMessage {
    /// A response to this request. `toTag` is added to To when To has no tag and `statusCode` is
    /// above 100 (§8.2.6.2); `headers` are appended after the copied ones.
    public func makeResponse(statusCode: Int, reason: String, toTag: String? = nil,
                             headers: [(KnownHeader, String)] = []) -> SIPMessage {
        precondition(isRequest, "makeResponse on a response")
        precondition((100...699).contains(statusCode), "status code out of range")
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out.append(contentsOf: "SIP/2.0 \(statusCode) ".utf8)
        for c in reason.utf8 where c != 0x0D && c != 0x0A { out.append(c) }
        let lineEnd = out.count
        var newFields: [HeaderFieldIndex] = []
        newFields.reserveCapacity(8 + headers.count)
        let hasToTag = (try? to()?.tag) != nil
        for f in fields {
            guard let known = f.known, [.via, .from, .to, .callID, .cseq].contains(known) else { continue }
            let start = out.count
            out.append(contentsOf: buffer[Int(f.lineStart)..<Int(f.lineEnd)])
            let shift = Int32(start) - f.lineStart
            var copy = HeaderFieldIndex(known: known, lineStart: f.lineStart + shift, nameEnd: f.nameEnd + shift,
                                        valueStart: f.valueStart + shift, valueEnd: f.valueEnd + shift,
                                        lineEnd: f.lineEnd + shift)
            if known == .to, !hasToTag, statusCode > 100, let toTag {
                out.append(contentsOf: ";tag=\(toTag)".utf8)
                copy.valueEnd = Int32(out.count)
                copy.lineEnd = Int32(out.count)
            }
            newFields.append(copy)
        }
        var response = SIPMessage(
            buffer: out,
            startLine: StartLineIndex(lineStart: 0, lineEnd: Int32(lineEnd), isRequest: false, method: nil,
                                      statusCode: statusCode, textStart: 12, textEnd: Int32(lineEnd),
                                      versionStart: 0, versionEnd: 7),
            fields: newFields, bodyRange: out.count..<out.count)
        for (header, value) in headers { response.addHeader(header, value) }
        response.addHeader(.contentLength, "0")
        return response
    }
}
