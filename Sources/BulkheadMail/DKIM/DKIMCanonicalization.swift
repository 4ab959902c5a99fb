import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A DKIM canonicalisation algorithm (RFC 6376 §3.4), for header fields or for the body.
///
/// Works on bytes. Input lines may end in CRLF or in a bare LF (treated as CRLF); the output always
/// uses CRLF.
///
/// ```swift
/// let body = Array("Hi  there \r\n\r\n".utf8)
/// DKIMCanonicalization.relaxed.canonicalizeBody(body)  // "Hi there\r\n"
/// DKIMCanonicalization.simple.canonicalizeBody([])     // "\r\n"
/// ```
public enum DKIMCanonicalization: String, Sendable, Hashable, CaseIterable {
    /// `simple`: bytes kept as they are; only trailing empty body lines are removed.
    case simple
    /// `relaxed`: white space runs folded to one space, trailing white space removed, header
    /// names lower-cased and header fields unfolded.
    case relaxed

    /// The canonical form of a message body (the bytes after the empty line).
    ///
    /// Empty body: `simple` gives CRLF, `relaxed` gives nothing.
    public func canonicalizeBody(_ body: [UInt8]) -> [UInt8] {
        var output = DKIMByteCollector()
        body.withUnsafeBufferPointer { p in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DKIMCanonicalWriter<DKIMByteCollector>.chunk) { buffer in
                var writer = DKIMCanonicalWriter(output: output, buffer: buffer)
                DKIMCanonicalizer.body(p, from: 0, to: p.count, self, into: &writer)
                writer.flush()
                output = writer.output
            }
        }
        return output.bytes
    }

    /// The canonical form of one raw header field (`Name: value` with its folding and line
    /// terminator, as on the wire), ending in CRLF.
    public func canonicalizeHeader(_ field: [UInt8]) throws(DKIMMessageError) -> [UInt8] {
        let result = field.withUnsafeBufferPointer { p in
            Result { () throws(DKIMMessageError) -> [UInt8] in
                let layout = try DKIMMessageLayout.split(p)
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DKIMCanonicalWriter<DKIMByteCollector>.chunk) { buffer in
                    var writer = DKIMCanonicalWriter(output: DKIMByteCollector(), buffer: buffer)
                    for raw in layout.fields {
                        DKIMCanonicalizer.header(p, raw, self, finalCRLF: true, into: &writer)
                    }
                    writer.flush()
                    return writer.output.bytes
                }
            }
        }
        return try result.get()
    }
}

/// Where canonical bytes go.
protocol DKIMCanonicalOutput {
    mutating func consume(_ bytes: UnsafeRawBufferPointer)
}

/// Collects canonical bytes (for tests and for the public canonicalisation functions).
struct DKIMByteCollector: DKIMCanonicalOutput {
    var bytes: [UInt8] = []
    mutating func consume(_ bytes: UnsafeRawBufferPointer) { self.bytes.append(contentsOf: bytes) }
}

/// Hashes canonical bytes with SHA-256, optionally only the first `limit` bytes (the `l=` tag),
/// counting every byte offered.
struct DKIMHashOutput: DKIMCanonicalOutput {
    var hasher = SHA256()
    var limit: Int?
    var total = 0

    mutating func consume(_ bytes: UnsafeRawBufferPointer) {
        if let limit {
            let room = max(0, limit - total)
            if room > 0 { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: bytes.prefix(room))) }
        } else {
            hasher.update(bufferPointer: bytes)
        }
        total += bytes.count
    }
}

/// Buffers small writes in a fixed chunk (no allocation per message) and passes them on.
struct DKIMCanonicalWriter<Output: DKIMCanonicalOutput> {
    static var chunk: Int { 4096 }
    var output: Output
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    private var count = 0

    init(output: Output, buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.output = output
        self.buffer = buffer
    }

    @inline(__always) mutating func byte(_ b: UInt8) {
        if count == buffer.count { flush() }
        buffer[count] = b
        count += 1
    }

    @inline(__always) mutating func crlf() {
        byte(DKIMMessageLayout.cr)
        byte(DKIMMessageLayout.lf)
    }

    @inline(__always) mutating func bytes(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        let n = end - start
        guard n > 0, let base = p.baseAddress else { return }
        if n > buffer.count - count {
            flush()
            if n >= buffer.count {
                output.consume(UnsafeRawBufferPointer(start: base + start, count: n))
                return
            }
        }
        guard let target = buffer.baseAddress else { return }
        (target + count).update(from: base + start, count: n)
        count += n
    }

    mutating func flush() {
        guard count > 0, let base = buffer.baseAddress else { return }
        output.consume(UnsafeRawBufferPointer(start: base, count: count))
        count = 0
    }
}

/// The canonicalisation algorithms, streaming from raw bytes into a writer.
enum DKIMCanonicalizer {
    /// Canonicalises the body `p[from..<to]`.
    static func body<O>(
        _ p: UnsafeBufferPointer<UInt8>, from: Int, to n: Int,
        _ algorithm: DKIMCanonicalization, into w: inout DKIMCanonicalWriter<O>
    ) {
        switch algorithm {
        case .simple: simpleBody(p, from: from, to: n, into: &w)
        case .relaxed: relaxedBody(p, from: from, to: n, into: &w)
        }
    }

    /// The end of the line starting at `i`: the index of its LF, or `n`.
    @inline(__always)
    private static func lineFeed(_ p: UnsafeBufferPointer<UInt8>, from i: Int, to n: Int) -> Int {
        guard let base = p.baseAddress, i < n else { return n }
        return memchr(base + i, Int32(DKIMMessageLayout.lf), n - i).map { UnsafeRawPointer($0) - UnsafeRawPointer(base) } ?? n
    }

    private static func simpleBody<O>(_ p: UnsafeBufferPointer<UInt8>, from: Int, to n: Int, into w: inout DKIMCanonicalWriter<O>) {
        var pendingEmptyLines = 0
        var wroteLine = false
        var i = from
        while i < n {
            let k = lineFeed(p, from: i, to: n)
            var contentEnd = k
            if k < n && k > i && p[k - 1] == DKIMMessageLayout.cr { contentEnd = k - 1 }
            if contentEnd == i {
                pendingEmptyLines += 1
            } else {
                while pendingEmptyLines > 0 {
                    w.crlf()
                    pendingEmptyLines -= 1
                }
                w.bytes(p, i, contentEnd)
                w.crlf()
                wroteLine = true
            }
            i = k + 1
        }
        if !wroteLine { w.crlf() }
    }

    /// Relaxed body canonicalisation. Bytes that stay as they are (most of a body: lines ending in
    /// CRLF without trailing white space, single spaces) are passed on in long runs; only the places
    /// that change (white space runs, tabs, trailing white space, bare LF, empty lines) break a run.
    private static func relaxedBody<O>(_ p: UnsafeBufferPointer<UInt8>, from: Int, to n: Int, into w: inout DKIMCanonicalWriter<O>) {
        var runStart = from  // start of the bytes not yet written that are kept as they are
        let tabs = ByteWords.repeated(DKIMMessageLayout.tab)
        let spaces = ByteWords.repeated(DKIMMessageLayout.sp)
        var pendingEmptyLines = 0
        var i = from
        while i < n {
            let k = lineFeed(p, from: i, to: n)
            var contentEnd = k
            if k < n && k > i && p[k - 1] == DKIMMessageLayout.cr { contentEnd = k - 1 }
            var trimmed = contentEnd
            while trimmed > i && DKIMMessageLayout.isWSP(p[trimmed - 1]) { trimmed -= 1 }
            if trimmed == i {
                // An empty line is written only if a non-empty line follows.
                w.bytes(p, runStart, i)
                pendingEmptyLines += 1
                i = k + 1
                runStart = min(i, n)
                continue
            }
            while pendingEmptyLines > 0 {
                w.crlf()
                pendingEmptyLines -= 1
            }
            var j = i
            while j < trimmed {
                // Eight bytes at a time while none of them starts a change: the first that does (a
                // tab, or a space before white space) is handled below.
                if j + 8 < trimmed, let base = p.baseAddress {
                    let here = UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self))
                    let next = UInt64(littleEndian: UnsafeRawPointer(base + j + 1).loadUnaligned(as: UInt64.self))
                    let changes =
                        ByteWords.zeroBytes(here ^ tabs)
                        | (ByteWords.zeroBytes(here ^ spaces) & (ByteWords.zeroBytes(next ^ spaces) | ByteWords.zeroBytes(next ^ tabs)))
                    if changes == 0 {
                        j += 8
                        continue
                    }
                    j += changes.trailingZeroBitCount / 8
                }
                let byte = p[j]
                if byte == DKIMMessageLayout.tab || (byte == DKIMMessageLayout.sp && DKIMMessageLayout.isWSP(p[j + 1])) {
                    w.bytes(p, runStart, j)
                    w.byte(DKIMMessageLayout.sp)
                    j += 1
                    while j < trimmed && DKIMMessageLayout.isWSP(p[j]) { j += 1 }
                    runStart = j
                } else {
                    j += 1
                }
            }
            if trimmed != contentEnd || contentEnd == k {
                // Trailing white space, a bare LF or no line end at all: the line ends here in CRLF.
                w.bytes(p, runStart, trimmed)
                w.crlf()
                runStart = min(k + 1, n)
            }
            i = k + 1
        }
        w.bytes(p, runStart, min(i, n))
    }

    /// Canonicalises one raw header field; `finalCRLF: false` leaves out the closing CRLF (used
    /// for the DKIM-Signature field being signed or verified).
    static func header<O>(
        _ p: UnsafeBufferPointer<UInt8>, _ field: DKIMRawField,
        _ algorithm: DKIMCanonicalization, finalCRLF: Bool, into w: inout DKIMCanonicalWriter<O>
    ) {
        switch algorithm {
        case .simple:
            var i = field.start
            while i < field.end {
                var k = i
                while k < field.end && p[k] != DKIMMessageLayout.lf { k += 1 }
                var contentEnd = k
                if k < field.end && k > i && p[k - 1] == DKIMMessageLayout.cr { contentEnd = k - 1 }
                w.bytes(p, i, contentEnd)
                i = k + 1
                if i < field.end || finalCRLF { w.crlf() }
            }
        case .relaxed:
            for j in field.start..<field.nameEnd {
                let b = p[j]
                w.byte((b >= 0x41 && b <= 0x5A) ? b | 0x20 : b)
            }
            w.byte(UInt8(ascii: ":"))
            var pendingSpace = false
            var started = false
            var j = field.colon + 1
            while j < field.end {
                let b = p[j]
                if b == DKIMMessageLayout.lf || (b == DKIMMessageLayout.cr && j + 1 < field.end && p[j + 1] == DKIMMessageLayout.lf) {
                    j += 1
                    continue
                }
                if DKIMMessageLayout.isWSP(b) {
                    pendingSpace = started
                } else {
                    if pendingSpace {
                        w.byte(DKIMMessageLayout.sp)
                        pendingSpace = false
                    }
                    w.byte(b)
                    started = true
                }
                j += 1
            }
            if finalCRLF { w.crlf() }
        }
    }
}
