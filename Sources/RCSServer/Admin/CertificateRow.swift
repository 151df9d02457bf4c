import Foundation

/// One certificate as the tables show it: the seed's columns (Issued To,
/// Issued By, Expires, Deployed Count) and a status badge.
struct CertificateRow: Encodable {
    static let expiringWindow: TimeInterval = 90 * 86400

    let id: String
    let issuedTo: String
    let issuedBy: String
    let notBefore: String
    let expires: String
    let deployedCount: Int
    /// valid, expiring, expired or notyet: the badge's style.
    let status: String
    let statusLabel: String

    init(_ certificate: CertificateController.CertificateResponse, now: Date = Date()) {
        id = certificate.id
        issuedTo = certificate.subjectName
        issuedBy = certificate.issuerName
        notBefore = Format.day(certificate.notBefore)
        expires = Format.day(certificate.notAfter)
        deployedCount = certificate.deployedCount
        (status, statusLabel) = Self.badge(notBefore: certificate.notBefore, notAfter: certificate.notAfter, now: now)
    }

    static func badge(notBefore: Date, notAfter: Date, now: Date) -> (String, String) {
        if now > notAfter { return ("expired", "Expired") }
        if now < notBefore { return ("notyet", "Not yet valid") }
        if notAfter.timeIntervalSince(now) < expiringWindow {
            let days = Int(notAfter.timeIntervalSince(now) / 86400)
            return ("expiring", days == 0 ? "Expires today" : "Expires in \(days) day\(days == 1 ? "" : "s")")
        }
        return ("valid", "Valid")
    }
}

/// Every certificate's validity against today, as an SVG the template draws.
struct ValidityTimeline: Encodable {
    struct Bar: Encodable {
        let id: String
        let x: String
        let y: String
        let width: String
        let labelX: String
        let labelY: String
        let label: String
        let status: String
        let title: String
    }

    struct Tick: Encodable {
        let x: String
        let label: String
    }

    static let width = 960.0
    static let rowHeight = 34.0
    static let top = 26.0

    let width = Int(Self.width)
    let height: Int
    let todayX: String
    let bars: [Bar]
    let ticks: [Tick]

    init(_ certificates: [CertificateController.CertificateResponse], now: Date = Date()) {
        let starts = certificates.map(\.notBefore) + [now.addingTimeInterval(-30 * 86400)]
        let ends = certificates.map(\.notAfter) + [now.addingTimeInterval(120 * 86400)]
        let first = starts.min()!, last = ends.max()!
        let span = max(last.timeIntervalSince(first), 1)
        func x(_ date: Date) -> Double { 10 + (Self.width - 20) * date.timeIntervalSince(first) / span }
        func text(_ value: Double) -> String { String(format: "%.1f", value) }

        height = Int(Self.top + Double(max(certificates.count, 1)) * Self.rowHeight + 10)
        todayX = text(x(now))
        bars = certificates.enumerated().map { index, certificate in
            let left = x(certificate.notBefore), right = x(certificate.notAfter)
            let y = Self.top + Double(index) * Self.rowHeight
            let (status, label) = CertificateRow.badge(notBefore: certificate.notBefore, notAfter: certificate.notAfter, now: now)
            return Bar(id: certificate.id, x: text(left), y: text(y + 14), width: text(max(right - left, 2)),
                       labelX: text(min(max(left, 10), Self.width - 330)), labelY: text(y + 10),
                       label: certificate.subjectName, status: status,
                       title: "\(certificate.subjectName): \(Format.day(certificate.notBefore)) to \(Format.day(certificate.notAfter)) (\(label))")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let firstYear = calendar.component(.year, from: first), lastYear = calendar.component(.year, from: last)
        let step = max(1, (lastYear - firstYear + 1) / 10)
        ticks = stride(from: firstYear + 1, through: lastYear, by: step).compactMap { year in
            guard let date = calendar.date(from: DateComponents(year: year, month: 1, day: 1)) else { return nil }
            return Tick(x: text(x(date)), label: String(year))
        }
    }
}
