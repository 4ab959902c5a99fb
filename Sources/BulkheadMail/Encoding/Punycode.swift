/// RFC 3492 Punycode: the Bootstring encoding that turns a Unicode domain label into the ASCII
/// letters after `xn--` (and back).
///
/// It works on one label at a time and does not add or remove the `xn--` prefix; use
/// ``IDNA`` (or ``Mailbox/asciiDomain``) for whole domain names.
///
/// ```swift
/// try Punycode.encode("bücher")        // "bcher-kva"
/// try Punycode.decode("bcher-kva")     // "bücher"
/// ```
public enum Punycode {
    /// The longest input, in Unicode scalars (encode) or ASCII characters (decode), accepted.
    /// A DNS label is at most 63 octets, so real labels are far below this bound; it keeps the
    /// algorithm's quadratic worst case small on hostile input.
    public static let maximumInputLength = 1024

    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 0x80
    /// Any intermediate value above this cannot lead to a valid code point.
    private static let limit = Int(Int32.max)

    /// Encodes a label's Unicode scalars as Punycode (RFC 3492 §6.3). Case is kept as given.
    public static func encode(_ label: String) throws(PunycodeError) -> String {
        let input = label.unicodeScalars.map { Int($0.value) }
        if input.count > maximumInputLength { throw .inputTooLong(input.count) }
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 8)
        for c in input where c < 0x80 { output.append(UInt8(c)) }
        let basicCount = output.count
        var handled = basicCount
        if basicCount > 0 { output.append(UInt8(ascii: "-")) }
        var n = initialN
        var delta = 0
        var bias = initialBias
        while handled < input.count {
            var m = Int.max
            for c in input where c >= n && c < m { m = c }
            let (step, overflow) = (m - n).multipliedReportingOverflow(by: handled + 1)
            if overflow || delta + step > limit { throw .overflow }
            delta += step
            n = m
            for c in input {
                if c < n {
                    delta += 1
                    if delta > limit { throw .overflow }
                }
                if c == n {
                    var q = delta
                    var k = base
                    while true {
                        let t = threshold(k, bias)
                        if q < t { break }
                        output.append(digit(t + (q - t) % (base - t)))
                        q = (q - t) / (base - t)
                        k += base
                    }
                    output.append(digit(q))
                    bias = adapt(delta, handled + 1, handled == basicCount)
                    delta = 0
                    handled += 1
                }
            }
            delta += 1
            n += 1
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Punycode (RFC 3492 §6.2) to Unicode. Digits are read case-insensitively; the basic
    /// code points before the last `-` keep their case.
    public static func decode(_ encoded: String) throws(PunycodeError) -> String {
        let input = Array(encoded.utf8)
        if input.count > maximumInputLength { throw .inputTooLong(input.count) }
        var output: [Int] = []
        var start = 0
        if let dash = input.lastIndex(of: UInt8(ascii: "-")) {
            for (offset, byte) in input[..<dash].enumerated() {
                if byte >= 0x80 { throw .invalidCharacter(offset: offset) }
                output.append(Int(byte))
            }
            start = dash + 1
        }
        for (offset, byte) in input[start...].enumerated() where byte >= 0x80 {
            throw .invalidCharacter(offset: start + offset)
        }
        var n = initialN
        var i = 0
        var bias = initialBias
        var position = start
        while position < input.count {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < input.count else { throw .truncated }
                guard let d = digitValue(input[position]) else { throw .invalidCharacter(offset: position) }
                position += 1
                let (product, overflow) = d.multipliedReportingOverflow(by: w)
                if overflow || i + product > limit { throw .overflow }
                i += product
                let t = threshold(k, bias)
                if d < t { break }
                let (nextW, wOverflow) = w.multipliedReportingOverflow(by: base - t)
                if wOverflow || nextW > limit { throw .overflow }
                w = nextW
                k += base
            }
            let count = output.count + 1
            bias = adapt(i - oldI, count, oldI == 0)
            n += i / count
            if n > limit { throw .overflow }
            i %= count
            guard n < 0x11_0000, !(0xD800...0xDFFF).contains(n), n >= 0x80 else { throw .invalidCodePoint(n) }
            output.insert(n, at: i)
            i += 1
        }
        var text = String.UnicodeScalarView()
        for value in output {
            guard let scalar = Unicode.Scalar(UInt32(value)) else { throw .invalidCodePoint(value) }
            text.append(scalar)
        }
        return String(text)
    }

    @inline(__always) private static func threshold(_ k: Int, _ bias: Int) -> Int {
        k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
    }

    @inline(__always) private static func digit(_ value: Int) -> UInt8 {
        value < 26 ? UInt8(value) + UInt8(ascii: "a") : UInt8(value - 26) + UInt8(ascii: "0")
    }

    @inline(__always) private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a"))
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): Int(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) + 26
        default: nil
        }
    }

    private static func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}

/// Why Punycode encoding or decoding failed.
public enum PunycodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is longer than ``Punycode/maximumInputLength``.
    case inputTooLong(Int)
    /// A non-ASCII byte, or a byte that is not a base-36 digit, at this UTF-8 offset of the encoded text.
    case invalidCharacter(offset: Int)
    /// The encoded text ends in the middle of a variable-length integer.
    case truncated
    /// An intermediate value overflowed: the input cannot be valid.
    case overflow
    /// The decoded value is not a non-ASCII Unicode scalar (a surrogate, too large, or a basic code point).
    case invalidCodePoint(Int)

    public var description: String {
        switch self {
        case .inputTooLong(let count): "punycode input of \(count) characters is longer than \(Punycode.maximumInputLength)"
        case .invalidCharacter(let offset): "offset \(offset): invalid punycode character"
        case .truncated: "punycode input ends inside a number"
        case .overflow: "punycode value overflow"
        case .invalidCodePoint(let value): "punycode decodes to invalid code point \(value)"
        }
    }
}
