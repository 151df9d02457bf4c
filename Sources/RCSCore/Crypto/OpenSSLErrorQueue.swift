internal import COpenSSL

/// OpenSSL's per-thread error queue. Read it in the same synchronous function
/// as the failing call (no `await` in between): it belongs to the thread.
enum OpenSSLErrorQueue {
    /// Takes every pending error off the queue, oldest first, as readable text.
    static func drain() -> [String] {
        var messages: [String] = []
        while true {
            var file: UnsafePointer<CChar>?
            var line: Int32 = 0
            var function: UnsafePointer<CChar>?
            var data: UnsafePointer<CChar>?
            var flags: Int32 = 0
            var code: UInt = 0
            guard rcs_ERR_get_error_all(&file, &line, &function, &data, &flags, &code) != 0 else { break }
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &text, text.count)
            var message = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let data, flags & ERR_TXT_STRING != 0, data.pointee != 0 {
                message += " (\(String(cString: data)))"
            }
            if !messages.contains(message) { messages.append(message) }
            if messages.count > 16 { ERR_clear_error(); break }
        }
        return messages
    }

    /// Drops pending errors, before a call whose failure we want to read alone.
    static func clear() { ERR_clear_error() }

    /// A `RCSError` with the current queue attached.
    static func error(_ code: RCSError.Code, _ reason: String) -> RCSError {
        RCSError(code, reason, openSSLErrors: drain())
    }
}
