import Foundation

/// Shows deadlines the way readers expect: local time of the site's zone, and UTC.
public struct DateDisplay: Sendable {
    /// The site's time zone.
    public var timeZone: TimeZone

    /// Creates a formatter for `timeZone`.
    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    private static let jaWeekdays = ["日", "月", "火", "水", "木", "金", "土"]
    private static let enWeekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let enMonths = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private func parts(_ date: Date, in zone: TimeZone) -> DateComponents {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
    }

    private static func two(_ n: Int?) -> String { n.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "00" }

    /// `2027年2月10日(水) 17:00` or `Wed 10 Feb 2027, 17:00`, in the site's zone.
    public func local(_ date: Date, language: String) -> String {
        let p = parts(date, in: timeZone)
        let time = "\(Self.two(p.hour)):\(Self.two(p.minute))"
        let wd = (p.weekday ?? 1) - 1
        if language == "ja" {
            return "\(p.year!)年\(p.month!)月\(p.day!)日(\(Self.jaWeekdays[wd])) \(time)"
        }
        return "\(Self.enWeekdays[wd]) \(p.day!) \(Self.enMonths[p.month! - 1]) \(p.year!), \(time)"
    }

    /// `2027-02-10 08:00 UTC`.
    public func utc(_ date: Date) -> String {
        let p = parts(date, in: TimeZone(identifier: "UTC")!)
        return "\(p.year!)-\(Self.two(p.month))-\(Self.two(p.day)) \(Self.two(p.hour)):\(Self.two(p.minute)) UTC"
    }

    /// `Asia/Tokyo, UTC+09:00` for the moment `date` (offsets change with daylight saving).
    public func zoneLabel(at date: Date) -> String {
        let seconds = timeZone.secondsFromGMT(for: date)
        let sign = seconds < 0 ? "-" : "+"
        let m = abs(seconds) / 60
        return "\(timeZone.identifier), UTC\(sign)\(Self.two(m / 60)):\(Self.two(m % 60))"
    }

    /// RFC 3339 in the site's zone, e.g. `2027-02-10T17:00:00+09:00`, for `<time datetime>` and feeds.
    public func iso(_ date: Date) -> String {
        let p = parts(date, in: timeZone)
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        let s = c.component(.second, from: date)
        let seconds = timeZone.secondsFromGMT(for: date)
        let sign = seconds < 0 ? "-" : "+"
        let m = abs(seconds) / 60
        return "\(p.year!)-\(Self.two(p.month))-\(Self.two(p.day))T\(Self.two(p.hour)):\(Self.two(p.minute)):\(Self.two(s))\(sign)\(Self.two(m / 60)):\(Self.two(m % 60))"
    }
}
