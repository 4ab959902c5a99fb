/// Why a message could not be split into header fields and a body for DKIM.
///
/// Offsets are byte offsets into the message as given.
public enum DKIMMessageError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A line of the header section starts with white space, but no field precedes it.
    case continuationWithoutField(offset: Int)
    /// A line of the header section holds no colon, so it is not a header field.
    case headerLineWithoutColon(offset: Int)
    /// A field name is empty or holds a byte outside printable US-ASCII.
    case invalidFieldName(offset: Int)

    public var description: String {
        switch self {
        case .continuationWithoutField(let offset):
            return "header section: continuation line at byte \(offset) has no field before it"
        case .headerLineWithoutColon(let offset):
            return "header section: line at byte \(offset) is not a header field (no colon)"
        case .invalidFieldName(let offset):
            return "header section: invalid field name at byte \(offset)"
        }
    }
}

/// One header field as raw bytes of the message: `start..<end` holds the whole field, folding and
/// line terminator included; `nameEnd` is the end of the name (white space before the colon
/// excluded) and `colon` the index of the colon.
struct DKIMRawField: Sendable, Hashable {
    var start: Int
    var nameEnd: Int
    var colon: Int
    var end: Int
}

/// The byte-level split of a message into raw header fields and a body.
///
/// Lines end at LF; a CR just before the LF belongs to the terminator. A message using bare LF line
/// endings is therefore read exactly as if it used CRLF: canonicalisation always emits CRLF.
struct DKIMMessageLayout: Sendable {
    var fields: [DKIMRawField]
    /// Index of the first body byte (the message length when there is no body).
    var bodyStart: Int
    /// True when the first line of the message ends in a bare LF (so output should use LF too).
    var usesBareLF: Bool

    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    @inline(__always) static func isWSP(_ byte: UInt8) -> Bool { byte == sp || byte == tab }

    /// Splits `p` (the whole message).
    static func split(_ p: UnsafeBufferPointer<UInt8>) throws(DKIMMessageError) -> DKIMMessageLayout {
        var fields: [DKIMRawField] = []
        fields.reserveCapacity(32)
        let n = p.count
        var i = 0
        var usesBareLF = false
        var sawTerminator = false
        while i < n {
            var k = i
            while k < n && p[k] != lf { k += 1 }
            let lineEnd = k < n ? k + 1 : n
            var contentEnd = k
            if k < n {
                if k > i && p[k - 1] == cr { contentEnd = k - 1 } else if !sawTerminator { usesBareLF = true }
                sawTerminator = true
            }
            if contentEnd == i && k < n {
                return DKIMMessageLayout(fields: fields, bodyStart: lineEnd, usesBareLF: usesBareLF)
            }
            if isWSP(p[i]) {
                guard !fields.isEmpty else { throw .continuationWithoutField(offset: i) }
                fields[fields.count - 1].end = lineEnd
            } else {
                var colon = i
                while colon < contentEnd && p[colon] != UInt8(ascii: ":") { colon += 1 }
                guard colon < contentEnd else { throw .headerLineWithoutColon(offset: i) }
                var nameEnd = colon
                while nameEnd > i && isWSP(p[nameEnd - 1]) { nameEnd -= 1 }
                guard nameEnd > i else { throw .invalidFieldName(offset: i) }
                for j in i..<nameEnd where p[j] < 33 || p[j] > 126 { throw .invalidFieldName(offset: j) }
                fields.append(DKIMRawField(start: i, nameEnd: nameEnd, colon: colon, end: lineEnd))
            }
            i = lineEnd
        }
        return DKIMMessageLayout(fields: fields, bodyStart: n, usesBareLF: usesBareLF)
    }

    /// True when the name of `field` equals `lowercaseName` (ASCII, case-insensitive).
    @inline(__always)
    static func field(_ field: DKIMRawField, in p: UnsafeBufferPointer<UInt8>, isNamed lowercaseName: [UInt8]) -> Bool {
        guard field.nameEnd - field.start == lowercaseName.count else { return false }
        var j = field.start
        for byte in lowercaseName {
            let b = p[j]
            if b != byte && ((b >= 0x41 && b <= 0x5A) ? b | 0x20 : b) != byte { return false }
            j += 1
        }
        return true
    }
}
