import Crypto
public import Foundation

/// Signs messages with DKIM (RFC 6376; `rsa-sha256` with PKCS#1 v1.5, or `ed25519-sha256` per RFC 8463).
///
/// Make one signer per key and reuse it: the key is parsed once. Signing works on the raw message
/// bytes (CRLF line endings; bare-LF input is read as CRLF and gets an LF-terminated signature field).
///
/// ```swift
/// let key = try DKIMKey(importing: pemText)
/// let signer = try DKIMSigner(key: key, configuration: DKIMSignerConfiguration(domain: "example.com", selector: "s1"))
/// let signed = try signer.sign(messageBytes)             // DKIM-Signature field + message
/// let field = try signer.signatureField(for: messageBytes) // just the folded field, ready to prepend
/// ```
public struct DKIMSigner: Sendable {
    /// The private key.
    public let key: DKIMKey
    /// What is signed and how.
    public let configuration: DKIMSignerConfiguration

    /// Lower-cased names to sign, each with whether it is over-signed.
    let names: [(name: [UInt8], overSigned: Bool)]
    let prefixTags: [String]
    static let from = Array("from".utf8)

    /// Checks the configuration and keeps the key for reuse.
    public init(key: DKIMKey, configuration: DKIMSignerConfiguration) throws(DKIMSignerError) {
        guard DKIMNames.isValidDomain(configuration.domain) else { throw .invalidDomain(configuration.domain) }
        guard DKIMNames.isValidDomain(configuration.selector, allowUnderscore: true) else {
            throw .invalidSelector(configuration.selector)
        }
        for name in configuration.signedHeaders + configuration.overSignedHeaders where !DKIMNames.isValidFieldName(name) {
            throw .invalidHeaderName(name)
        }
        if let lifetime = configuration.expiresAfterSeconds, lifetime <= 0 || !configuration.includeTimestamp {
            throw .invalidExpiry
        }
        let over = Set(configuration.overSignedHeaders.map(DKIMNames.lowercased))
        var seen = Set<[UInt8]>()
        var names: [(name: [UInt8], overSigned: Bool)] = []
        for name in (configuration.signedHeaders + configuration.overSignedHeaders).map(DKIMNames.lowercased)
        where seen.insert(name).inserted {
            names.append((name, over.contains(name)))
        }
        guard seen.contains(Self.from) else { throw .fromNotInSignedHeaders }
        self.key = key
        self.configuration = configuration
        self.names = names
        prefixTags = [
            "v=1;", "a=\(key.algorithm.rawValue);",
            "c=\(configuration.headerCanonicalization.rawValue)/\(configuration.bodyCanonicalization.rawValue);",
            "d=\(configuration.domain);", "s=\(configuration.selector);",
        ]
    }

    /// The `DKIM-Signature` field for `message`, folded and ending in CRLF (LF when the message uses
    /// bare LF line endings), ready to prepend. `date` gives `t=` (and `x=`).
    public func signatureField(for message: [UInt8], at date: Date = Date()) throws(DKIMSignerError) -> [UInt8] {
        let result = message.withUnsafeBufferPointer { p in
            Result { () throws(DKIMSignerError) in try makeField(p, date: date) }
        }
        return try result.get()
    }

    /// The signed message: the `DKIM-Signature` field followed by `message`.
    public func sign(_ message: [UInt8], at date: Date = Date()) throws(DKIMSignerError) -> [UInt8] {
        var out = try signatureField(for: message, at: date)
        out.append(contentsOf: message)
        return out
    }

    private func makeField(_ p: UnsafeBufferPointer<UInt8>, date: Date) throws(DKIMSignerError) -> [UInt8] {
        let layout: DKIMMessageLayout
        do { layout = try DKIMMessageLayout.split(p) } catch { throw .malformedMessage(error) }
        let fields = layout.fields
        let fromCount = fields.reduce(0) { $0 + (DKIMMessageLayout.field($1, in: p, isNamed: Self.from) ? 1 : 0) }
        guard fromCount > 0 else { throw .missingFrom }
        guard fromCount == 1 else { throw .multipleFrom(count: fromCount) }

        // h=: each signed name once per occurrence, over-signed names once more.
        var signed: [[UInt8]] = []
        signed.reserveCapacity(names.count + 8)
        for entry in names {
            var occurrences = 0
            for field in fields where DKIMMessageLayout.field(field, in: p, isNamed: entry.name) { occurrences += 1 }
            for _ in 0..<(occurrences + (entry.overSigned ? 1 : 0)) { signed.append(entry.name) }
        }

        let bodyHash = DKIMHashing.bodyHash(p, from: layout.bodyStart, configuration.bodyCanonicalization, limit: nil).digest

        var folder = DKIMFieldFolder()
        for tag in prefixTags { folder.tag(tag) }
        if configuration.includeTimestamp {
            let t = Int64(date.timeIntervalSince1970.rounded(.down))
            folder.tag("t=\(t);")
            if let lifetime = configuration.expiresAfterSeconds { folder.tag("x=\(t + Int64(lifetime));") }
        }
        for (index, name) in signed.enumerated() {
            var piece = index == 0 ? Array("h=".utf8) : []
            piece.append(contentsOf: name)
            piece.append(index == signed.count - 1 ? UInt8(ascii: ";") : UInt8(ascii: ":"))
            if index == 0 { folder.tag(piece) } else { folder.piece(piece) }
        }
        folder.tag("bh=" + Base64Encoder.line(bodyHash) + ";")
        folder.tag("b=")

        let headerHash = DKIMHashing.headerHash(
            message: p, fields: fields, signed: signed, signatureField: folder.bytes,
            configuration.headerCanonicalization
        )
        let signature: Data
        do { signature = try key.signature(for: headerHash) } catch { throw .signingFailed("\(error)") }
        folder.value(Base64Encoder.encode(Array(signature), lineBreaks: false))
        folder.bytes.append(DKIMMessageLayout.cr)
        folder.bytes.append(DKIMMessageLayout.lf)
        if layout.usesBareLF {
            var lf: [UInt8] = []
            lf.reserveCapacity(folder.bytes.count)
            for byte in folder.bytes where byte != DKIMMessageLayout.cr { lf.append(byte) }
            return lf
        }
        return folder.bytes
    }
}

/// Builds the folded `DKIM-Signature` field, lines kept within 78 bytes.
struct DKIMFieldFolder {
    var bytes: [UInt8]
    var lineLength: Int
    static let limit = 78

    init() {
        bytes = Array("DKIM-Signature:".utf8)
        bytes.reserveCapacity(1024)
        lineLength = bytes.count
    }

    private mutating func fold() {
        bytes.append(contentsOf: [DKIMMessageLayout.cr, DKIMMessageLayout.lf, DKIMMessageLayout.tab])
        lineLength = 1
    }

    /// A tag preceded by a space, or by a fold when it does not fit.
    mutating func tag(_ text: String) { tag(Array(text.utf8)) }

    mutating func tag(_ text: [UInt8]) {
        if lineLength + 1 + text.count > Self.limit {
            fold()
        } else {
            bytes.append(DKIMMessageLayout.sp)
            lineLength += 1
        }
        bytes.append(contentsOf: text)
        lineLength += text.count
    }

    /// A piece that follows the previous one directly, or after a fold when it does not fit.
    mutating func piece(_ text: [UInt8]) {
        if lineLength + text.count > Self.limit { fold() }
        bytes.append(contentsOf: text)
        lineLength += text.count
    }

    /// A long value (base64) spread over as many lines as needed.
    mutating func value(_ text: [UInt8]) {
        var start = 0
        while start < text.count {
            var room = Self.limit - lineLength
            if room < 8 {
                fold()
                room = Self.limit - lineLength
            }
            let end = min(start + room, text.count)
            bytes.append(contentsOf: text[start..<end])
            lineLength += end - start
            start = end
        }
    }
}

/// The two hashes of RFC 6376 §3.7.
enum DKIMHashing {
    /// SHA-256 of the canonical body (only its first `limit` bytes when given), streamed in
    /// fixed-size chunks; `total` is the full canonical body length.
    static func bodyHash(
        _ p: UnsafeBufferPointer<UInt8>, from: Int, _ algorithm: DKIMCanonicalization, limit: Int?
    ) -> (digest: SHA256Digest, total: Int) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DKIMCanonicalWriter<DKIMHashOutput>.chunk) { buffer in
            var writer = DKIMCanonicalWriter(output: DKIMHashOutput(limit: limit), buffer: buffer)
            DKIMCanonicalizer.body(p, from: from, to: p.count, algorithm, into: &writer)
            writer.flush()
            return (writer.output.hasher.finalize(), writer.output.total)
        }
    }

    /// SHA-256 of the canonical signed fields (picked bottom-up, RFC 6376 §5.4.2) followed by the
    /// canonical signature field (its `b=` value already empty) without its final CRLF.
    static func headerHash(
        message p: UnsafeBufferPointer<UInt8>, fields: [DKIMRawField], signed: [[UInt8]],
        signatureField: [UInt8], _ algorithm: DKIMCanonicalization
    ) -> SHA256Digest {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DKIMCanonicalWriter<DKIMHashOutput>.chunk) { buffer in
            var writer = DKIMCanonicalWriter(output: DKIMHashOutput(), buffer: buffer)
            withUnsafeTemporaryAllocation(of: Bool.self, capacity: fields.count) { used in
                used.initialize(repeating: false)
                for name in signed {
                    var j = fields.count - 1
                    while j >= 0 {
                        if !used[j] && DKIMMessageLayout.field(fields[j], in: p, isNamed: name) {
                            used[j] = true
                            DKIMCanonicalizer.header(p, fields[j], algorithm, finalCRLF: true, into: &writer)
                            break
                        }
                        j -= 1
                    }
                }
            }
            signatureField.withUnsafeBufferPointer { s in
                let colon = s.firstIndex(of: UInt8(ascii: ":")) ?? 0
                var nameEnd = colon
                while nameEnd > 0 && DKIMMessageLayout.isWSP(s[nameEnd - 1]) { nameEnd -= 1 }
                let raw = DKIMRawField(start: 0, nameEnd: nameEnd, colon: colon, end: s.count)
                DKIMCanonicalizer.header(s, raw, algorithm, finalCRLF: false, into: &writer)
            }
            writer.flush()
            return writer.output.hasher.finalize()
        }
    }
}
