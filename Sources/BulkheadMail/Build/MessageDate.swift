public import Foundation

/// The `Date:` of a message (RFC 5322 §3.3), formatted without Foundation's date formatters.
///
/// ```swift
/// let date = MessageDate(secondsSince1970: 1_700_000_000, utcOffsetMinutes: 60)
/// date.formatted   // "Tue, 14 Nov 2023 23:13:20 +0100"
/// ```
public struct MessageDate: Sendable, Hashable {
    /// The instant, in whole seconds since 1970-01-01T00:00:00Z, clamped to years 1970...9999.
    public let secondsSince1970: Int64
    /// The local offset from UTC written after the time, clamped to ±23:59.
    public let utcOffsetMinutes: Int

    /// An instant and the offset of the local time to show it in.
    public init(secondsSince1970: Int64, utcOffsetMinutes: Int = 0) {
        self.secondsSince1970 = min(max(secondsSince1970, 0), 253_402_300_799)
        self.utcOffsetMinutes = min(max(utcOffsetMinutes, -1439), 1439)
    }

    /// A Foundation date shown in `timeZone` (UTC by default).
    public init(_ date: Date, timeZone: TimeZone? = nil) {
        let seconds = date.timeIntervalSince1970
        let whole = seconds.isFinite ? Int64(max(min(seconds, 253_402_300_799), 0)) : 0
        let offset = timeZone.map { $0.secondsFromGMT(for: date) / 60 } ?? 0
        self.init(secondsSince1970: whole, utcOffsetMinutes: offset)
    }

    /// The current time, in UTC.
    public static func now() -> MessageDate {
        MessageDate(secondsSince1970: Int64(Date().timeIntervalSince1970))
    }

    /// The RFC 5322 text, e.g. `Mon, 23 Nov 2026 14:52:26 +0000`.
    public var formatted: String {
        var bytes: [UInt8] = []
        write(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the RFC 5322 text to `output`.
    func write(into output: inout [UInt8]) {
        let local = secondsSince1970 + Int64(utcOffsetMinutes) * 60
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = Int(local - days * 86_400)
        // Civil date from a day count (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * mp + 2) / 5 + 1)
        let month = Int(mp < 10 ? mp + 3 : mp - 9)
        let year = Int(yearOfEra + era * 400 + (month <= 2 ? 1 : 0))
        let weekday = Int(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)

        let names = MessageDate.names
        output.append(contentsOf: names[weekday * 3..<weekday * 3 + 3])
        output.append(UInt8(ascii: ","))
        output.append(0x20)
        appendTwoDigits(day, to: &output)
        output.append(0x20)
        let monthStart = 21 + (month - 1) * 3
        output.append(contentsOf: names[monthStart..<monthStart + 3])
        output.append(0x20)
        appendTwoDigits(year / 100, to: &output)
        appendTwoDigits(year % 100, to: &output)
        output.append(0x20)
        appendTwoDigits(secondOfDay / 3600, to: &output)
        output.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay / 60 % 60, to: &output)
        output.append(UInt8(ascii: ":"))
        appendTwoDigits(secondOfDay % 60, to: &output)
        output.append(0x20)
        output.append(utcOffsetMinutes < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let offset = abs(utcOffsetMinutes)
        appendTwoDigits(offset / 60, to: &output)
        appendTwoDigits(offset % 60, to: &output)
    }

    private func appendTwoDigits(_ value: Int, to output: inout [UInt8]) {
        output.append(UInt8(truncatingIfNeeded: 0x30 + value / 10))
        output.append(UInt8(truncatingIfNeeded: 0x30 + value % 10))
    }

    private static let names: [UInt8] = Array("SunMonTueWedThuFriSatJanFebMarAprMayJunJulAugSepOctNovDec".utf8)
}
