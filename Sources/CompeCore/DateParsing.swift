import Foundation

/// Strict parsing of the dates users write in front matter, without locale surprises.
public enum DateParsing {
    /// The proleptic Gregorian calendar in UTC, used for all date arithmetic.
    static let utcCalendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    /// Parses `YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)` (a space may stand for `T`).
    /// Returns nil for anything else, including impossible dates such as February 30.
    public static func dateTime(_ text: String) -> Date? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard s.count >= 17, let (y, m, d) = ymd(s), s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: " ") else { return nil }
        guard let hh = number(s, 11, 2), s[13] == UInt8(ascii: ":"), let mm = number(s, 14, 2) else { return nil }
        var i = 16
        var ss = 0
        if i < s.count, s[i] == UInt8(ascii: ":") {
            guard let sec = number(s, 17, 2) else { return nil }
            ss = sec
            i = 19
        }
        guard i < s.count else { return nil }
        var offset = 0
        if s[i] == UInt8(ascii: "Z") && i + 1 == s.count {
            offset = 0
        } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            guard s.count == i + 6, let oh = number(s, i + 1, 2), s[i + 3] == UInt8(ascii: ":"),
                  let om = number(s, i + 4, 2), oh <= 14, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (s[i] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        guard hh < 24, mm < 60, ss < 60 else { return nil }
        guard let day = self.day(y, m, d) else { return nil }
        return day.addingTimeInterval(TimeInterval(hh * 3600 + mm * 60 + ss - offset))
    }

    /// Parses a calendar day `YYYY-MM-DD`; the result is midnight UTC of that day.
    public static func day(_ text: String) -> Date? {
        let s = Array(text.trimmingCharacters(in: .whitespaces).utf8)
        guard s.count == 10, let (y, m, d) = ymd(s) else { return nil }
        return day(y, m, d)
    }

    /// The calendar day (UTC midnight, as `day(_:)` returns) that `now` falls on in `zone`:
    /// "today" as the team in that time zone sees it.
    public static func today(in zone: TimeZone, now: Date = Date()) -> Date {
        day(ymd(now.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: now)))))!
    }

    /// `YYYY-MM-DD` of the day `date` falls on in `zone` (the site's days: statistics, exports).
    public static func ymd(_ date: Date, in zone: TimeZone) -> String {
        ymd(date.addingTimeInterval(TimeInterval(zone.secondsFromGMT(for: date))))
    }

    /// `YYYY-MM-DD` of a date in UTC (the form `day(_:)` reads).
    public static func ymd(_ date: Date) -> String {
        let p = utcCalendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", p.year!, p.month!, p.day!)
    }

    private static func day(_ y: Int, _ m: Int, _ d: Int) -> Date? {
        guard (1...12).contains(m), (1...31).contains(d) else { return nil }
        let comps = DateComponents(year: y, month: m, day: d)
        guard let date = utcCalendar.date(from: comps) else { return nil }
        let back = utcCalendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == y, back.month == m, back.day == d else { return nil }
        return date
    }

    private static func ymd(_ s: [UInt8]) -> (Int, Int, Int)? {
        guard let y = number(s, 0, 4), s[4] == UInt8(ascii: "-"), let m = number(s, 5, 2),
              s[7] == UInt8(ascii: "-"), let d = number(s, 8, 2) else { return nil }
        return (y, m, d)
    }

    private static func number(_ s: [UInt8], _ at: Int, _ count: Int) -> Int? {
        guard at + count <= s.count else { return nil }
        var n = 0
        for b in s[at..<(at + count)] {
            guard b >= 48 && b <= 57 else { return nil }
            n = n * 10 + Int(b - 48)
        }
        return n
    }
}
