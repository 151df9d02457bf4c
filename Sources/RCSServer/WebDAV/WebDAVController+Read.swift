import NIOCore
import _NIOFileSystem
import RCSCore
import Vapor

extension WebDAVController {
    /// GET/HEAD: a file streamed in 1 MiB chunks, with ETag, Last-Modified and
    /// single byte ranges; a collection as a small HTML index.
    func get(_ context: DAVContext, head: Bool) async throws -> Response {
        _ = try context.evaluateIfHeader()
        guard let info = try await context.info(context.path) else { throw Problem.notFound(context.path.href(collection: false)) }
        try context.checkEntityTags(info)
        if info.isCollection { return try await index(context, head: head) }

        let size = Int64(info.size)
        var range: Range<Int64> = 0..<size
        var status = HTTPResponseStatus.ok
        if let header = context.request.headers.first(name: .range), ifRangeHolds(context.request, info) {
            switch ByteRange.parse(header, size: size) {
            case let .satisfiable(requested):
                range = requested
                status = .partialContent
            case .unsatisfiable:
                let response = Response(status: .rangeNotSatisfiable)
                response.headers.replaceOrAdd(name: .contentRange, value: "bytes */\(size)")
                return response
            case .ignored:
                break
            }
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: info.etag)
        headers.replaceOrAdd(name: .lastModified, value: HTTPDate.format(info.modified))
        headers.replaceOrAdd(name: .acceptRanges, value: "bytes")
        headers.replaceOrAdd(name: .contentType, value: MediaType.guess(context.path.name))
        if status == .partialContent {
            headers.replaceOrAdd(name: .contentRange, value: "bytes \(range.lowerBound)-\(range.upperBound - 1)/\(size)")
        }
        let response = Response(status: status, headers: headers)
        let length = Int(range.count)
        if head {
            response.headers.replaceOrAdd(name: .contentLength, value: String(length))
            return response
        }
        let file = try context.store.filePath(context.path)
        let bytes = range
        response.body = .init(asyncStream: { writer in
            do {
                try await FileSystem.shared.withFileHandle(forReadingAt: FilePath(file)) { handle in
                    for try await chunk in handle.readChunks(in: bytes, chunkLength: .mebibytes(1)) {
                        try await writer.write(.buffer(chunk))
                    }
                }
                try await writer.write(.end)
            } catch {
                try? await writer.write(.error(error))
            }
        }, count: length)
        return response
    }

    /// If-Range: the range applies only while the ETag (or date) still matches.
    private func ifRangeHolds(_ request: Request, _ info: DAVFileStore.Info) -> Bool {
        guard let condition = request.headers.first(name: .ifRange) else { return true }
        if condition.hasPrefix("\"") || condition.hasPrefix("W/") { return condition == info.etag }
        return condition == HTTPDate.format(info.modified)
    }

    /// A plain HTML listing for browsers that GET a collection.
    private func index(_ context: DAVContext, head: Bool) async throws -> Response {
        let store = context.store
        let path = context.path
        let names = try await context.blocking { try store.children(path) }
        var html = "<!doctype html><meta charset=utf-8><title>\(DAVXML.escape(path.href(collection: true)))</title><ul>"
        for name in names {
            let child = path.appending(name)
            let isCollection = (try? store.info(child))?.isCollection ?? false
            html += "<li><a href=\"\(DAVXML.escape(child.href(collection: isCollection)))\">\(DAVXML.escape(name))\(isCollection ? "/" : "")</a></li>"
        }
        html += "</ul>"
        let response = Response(status: .ok, body: head ? .empty : .init(string: html))
        response.headers.contentType = .html
        if head { response.headers.replaceOrAdd(name: .contentLength, value: String(html.utf8.count)) }
        return response
    }
}

/// `Range: bytes=...` (RFC 9110 section 14): one range, or a suffix range.
/// Several ranges are answered with the whole file, which the RFC allows.
enum ByteRange: Equatable {
    case satisfiable(Range<Int64>)
    case unsatisfiable
    case ignored

    static func parse(_ header: String, size: Int64) -> ByteRange {
        let value = header.trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("bytes=") else { return .ignored }
        let specs = value.dropFirst(6).split(separator: ",")
        guard specs.count == 1, let spec = specs.first else { return .ignored }
        let parts = spec.trimmingCharacters(in: .whitespaces).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return .ignored }
        // Digits only (RFC 9110): Int64 alone would also take "+1".
        guard parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return .ignored }
        if parts[0].isEmpty {
            guard let suffix = Int64(parts[1]), suffix >= 0 else { return .ignored }
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .satisfiable(max(0, size - suffix)..<size)
        }
        guard let first = Int64(parts[0]), first >= 0 else { return .ignored }
        guard first < size else { return .unsatisfiable }
        if parts[1].isEmpty { return .satisfiable(first..<size) }
        guard let last = Int64(parts[1]), last >= first else { return .ignored }
        return .satisfiable(first..<(min(last, size - 1) + 1))
    }
}

/// RFC 9110 dates ("Sun, 06 Nov 1994 08:49:37 GMT").
enum HTTPDate {
    static func format(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return String(format: "%@, %02d %@ %04d %02d:%02d:%02d GMT", days[Int(parts.tm_wday)], parts.tm_mday,
                      months[Int(parts.tm_mon)], parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

/// Content types by file extension, for GET and getcontenttype.
enum MediaType {
    static let byExtension: [String: String] = [
        "wav": "audio/wav", "mp3": "audio/mpeg", "ogg": "audio/ogg", "opus": "audio/ogg", "m4a": "audio/mp4", "mp4": "video/mp4",
        "json": "application/json", "xml": "application/xml", "txt": "text/plain; charset=utf-8",
        "p7m": "application/pkcs7-mime", "pem": "application/x-pem-file", "der": "application/pkcs7-mime",
    ]

    static func guess(_ name: String) -> String {
        guard let dot = name.lastIndex(of: ".") else { return "application/octet-stream" }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
