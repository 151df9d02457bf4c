import Vapor

/// `page` and `per` of a listing, bounded: `per` to 1...500 and `page` to
/// 1...1,000,000, so `(page - 1) * per` can never overflow (a huge `page`
/// used to trap and stop the server).
struct PageWindow {
    static let maxPage = 1_000_000
    static let maxPer = 500

    let page: Int
    let per: Int

    init(_ request: Request, defaultPer: Int = 50) {
        page = min(Self.maxPage, max(1, request.query[Int.self, at: "page"] ?? 1))
        per = min(Self.maxPer, max(1, request.query[Int.self, at: "per"] ?? defaultPer))
    }

    /// The rows of this page, for Fluent's `range`.
    var rows: Range<Int> { ((page - 1) * per)..<(page * per) }
}
