import Foundation
import Vapor

/// What the layout template shows around every page.
struct PageChrome: Encodable {
    let title: String
    /// The navigation entry to mark current.
    let section: String
    let username: String?
    let csrf: String?
    let flash: AdminSessionStore.Flash?
}

/// The context of every page: the chrome and the page's own view model.
struct PageContext<Page: Encodable>: Encodable {
    let chrome: PageChrome
    let page: Page
}

/// An empty view model.
struct NoPage: Encodable {}

extension Request {
    /// Renders `Templates/<template>.leaf` inside the layout.
    func renderPage<Page: Encodable>(_ template: String, title: String, section: String,
                                     status: HTTPResponseStatus = .ok, _ page: Page) async throws -> Response {
        let flash = adminSession.flatMap { application.adminSessions.takeFlash(for: $0.token) }
        let chrome = PageChrome(title: title, section: section, username: adminSession?.session.username,
                                csrf: adminSession?.session.csrfToken, flash: flash)
        let view = try await self.view.render(template, PageContext(chrome: chrome, page: page))
        let response = try await view.encodeResponse(status: status, for: self)
        response.headers.contentType = .html
        return response
    }

    /// A message for the next page the admin sees.
    func flash(_ message: String, isError: Bool = false) {
        if let token = adminSession?.token {
            application.adminSessions.setFlash(.init(text: message, isError: isError), for: token)
        }
    }

    /// Runs a page action; a refusal (409, 404, ...) becomes an error message on the page `back`.
    func perform(back: String, _ action: () async throws -> String) async throws -> Response {
        do {
            flash(try await action())
        } catch let problem as Problem where problem.status.code < 500 {
            flash(problem.detail.prefix(1).uppercased() + problem.detail.dropFirst(), isError: true)
        }
        return seeOther(back)
    }

    /// 303 to a page: the answer to every successful form.
    func seeOther(_ path: String) -> Response {
        redirect(to: path, redirectType: .normal)
    }

    /// The query without empty form fields (`agent=`), so API filters ignore them.
    func dropEmptyQueryItems() {
        guard var components = URLComponents(string: url.string), let items = components.queryItems else { return }
        components.queryItems = items.filter { !($0.value ?? "").isEmpty }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        url = URI(string: components.string ?? url.path)
    }
}

/// Dates and sizes as admins read them.
enum Format {
    // DateFormatter is not Sendable: every use holds `lock`.
    nonisolated(unsafe) private static let dayFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter
    }()
    nonisolated(unsafe) private static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter
    }()
    private static let lock = NSLock()

    static func day(_ date: Date?) -> String {
        guard let date else { return "" }
        return lock.withLock { dayFormatter.string(from: date) }
    }

    static func time(_ date: Date?) -> String {
        guard let date else { return "" }
        return lock.withLock { timeFormatter.string(from: date) }
    }

    static func bytes(_ count: Int64) -> String {
        ByteCountFormatter.string(fromByteCount: count, countStyle: .binary)
    }

    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "" }
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
    }
}
