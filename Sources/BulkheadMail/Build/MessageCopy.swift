/// A copy of a received message whose header fields can be removed or readdressed while its body
/// stays byte for byte as received: the guard relay's per-recipient and Bcc-style copies of a held
/// message.
///
/// Works on the exact octets SMTP received: CRLF line ends in the header section (a bare LF or CR,
/// or a NUL, there is a ``MessageCopyError``, never guessed at). Fields that are kept are copied
/// as they are (folding included), so only the fields removed or written change; everything from
/// the empty line that ends the header section on is copied untouched. The header section is read
/// once, in linear time, within ``MIMEParser/Limits`` (the body is not read at all).
///
/// ```swift
/// let received = Array(
///     "From: Shop <news@shop.example>\r\nTo: Ann <ann@example.org>, bob@example.org\r\n"
///         + "DKIM-Signature: v=1; d=shop.example;\r\n b=abc\r\n\r\nHello\r\n".utf8)
/// var copy = try MessageCopy(received)
/// copy.removeFields(named: ["DKIM-Signature", "Bcc"])
/// try copy.replaceRecipients(with: .recipient(Mailbox(localPart: "ann", domain: "example.org")))
/// String(decoding: copy.bytes, as: UTF8.self)
/// // "From: Shop <news@shop.example>\r\nTo: Ann <ann@example.org>\r\n\r\nHello\r\n"
/// ```
public struct MessageCopy: Sendable {
    /// Whom the single `To:` field of a copy names (see ``MessageCopy/replaceRecipients(with:)``).
    public enum Addressee: Sendable, Hashable {
        /// One recipient. The display name is the one the original `To`/`Cc` gave this address
        /// (local part as written, domain compared in ASCII form, case-insensitively); when the
        /// original names it without one, or not at all, the mailbox as given.
        case recipient(Mailbox)
        /// `To: undisclosed-recipients:;` (an empty group): nobody is shown.
        case undisclosed
    }

    /// One field of the copy's header section, in order.
    struct Field: Sendable {
        /// The field name, ASCII-lowercased, for comparisons.
        var name: [UInt8]
        var source: Source
    }

    enum Source: Sendable {
        /// `original[start..<end]` is the whole field as received (folds and final CRLF included);
        /// its value starts after `colon`.
        case original(start: Int, colon: Int, end: Int)
        /// A field this type wrote, and its wire bytes (folded, CRLF included).
        case written(HeaderField, bytes: [UInt8])
    }

    /// The message as given.
    public let original: [UInt8]
    private var fields: [Field]
    /// Where the header fields end in `original`: the empty line and the body start here.
    private let headerEnd: Int

    static let to = Array("to".utf8)
    static let cc = Array("cc".utf8)
    static let from = Array("from".utf8)

    /// Reads the header section of `message`; throws when it is not a well-formed CRLF header
    /// section within `limits` (a message of header fields only, without an empty line, is accepted).
    public init(_ message: [UInt8], limits: MIMEParser.Limits = .default) throws(MessageCopyError) {
        guard message.count <= limits.maxMessageBytes else { throw .messageTooLarge(limit: limits.maxMessageBytes) }
        let result = message.withUnsafeBufferPointer { p in
            Result { () throws(MessageCopyError) in try Self.scan(p, limits: limits) }
        }
        (fields, headerEnd) = try result.get()
        original = message
    }

    /// The copy's octets: the header fields in order, then the original from its empty line on.
    public var bytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(original.count + 256)
        for field in fields {
            switch field.source {
            case .original(let start, _, let end): output.append(contentsOf: original[start..<end])
            case .written(_, let bytes): output.append(contentsOf: bytes)
            }
        }
        output.append(contentsOf: original[headerEnd...])
        return output
    }

    /// The values of every field called `name` (case-insensitive) in the copy, in order: unfolded,
    /// white space around trimmed, octets that are not UTF-8 read as ISO-8859-1.
    ///
    /// ```swift
    /// try MessageCopy(Array("To: a@example.org,\r\n b@example.org\r\n\r\n".utf8)).values(named: "to")
    /// // ["a@example.org, b@example.org"]
    /// ```
    public func values(named name: String) -> [String] {
        let key = Self.lowercased(name)
        return fields.compactMap { field in field.name == key ? value(of: field) : nil }
    }

    /// Removes every field whose name is one of `names` (case-insensitive), continuation lines included.
    ///
    /// ```swift
    /// copy.removeFields(named: ["Bcc", "DKIM-Signature"])
    /// ```
    public mutating func removeFields(named names: [String]) {
        let keys = Set(names.map(Self.lowercased))
        fields.removeAll { keys.contains($0.name) }
    }

    /// Replaces every field called `field.name` (case-insensitive) with `field`, written where the
    /// first of them was, or after the last field when there was none.
    ///
    /// ```swift
    /// try copy.setField(HeaderField(name: "Precedence", value: "list"))
    /// ```
    public mutating func setField(_ field: HeaderField) throws(MessageCopyError) {
        let written = try Self.written(field)
        let key = written.name
        guard let first = fields.firstIndex(where: { $0.name == key }) else {
            fields.append(written)
            return
        }
        fields[first] = written
        var index = fields.index(after: first)
        while index < fields.endIndex {
            if fields[index].name == key { fields.remove(at: index) } else { index = fields.index(after: index) }
        }
    }

    /// Writes `field` after the last field, keeping any others of the same name.
    ///
    /// ```swift
    /// try copy.appendField(HeaderField(name: "X-Bulkhead-Loop", value: "all@lists.example"))
    /// ```
    public mutating func appendField(_ field: HeaderField) throws(MessageCopyError) {
        fields.append(try Self.written(field))
    }

    private static func written(_ field: HeaderField) throws(MessageCopyError) -> Field {
        do throws(MessageBuildError) {
            return Field(name: lowercased(field.name), source: .written(field, bytes: try field.serialized()))
        } catch {
            throw .build(error)
        }
    }

    /// Removes every `To` and `Cc` field and writes one `To` field naming `addressee`, where the
    /// first `To` was (after the first `From` when there was no `To`; last when there was neither).
    ///
    /// The address is written in ASCII where it can be: a non-ASCII display name as RFC 2047
    /// encoded-words, the domain as A-labels. Throws when the mailbox holds CR, LF or NUL.
    ///
    /// ```swift
    /// try copy.replaceRecipients(with: .undisclosed)  // To: undisclosed-recipients:;
    /// ```
    public mutating func replaceRecipients(with addressee: Addressee) throws(MessageCopyError) {
        let address: Address
        switch addressee {
        case .undisclosed:
            address = .group(name: "undisclosed-recipients", members: [])
        case .recipient(var mailbox):
            if let name = displayName(of: mailbox) { mailbox.displayName = name }
            address = .mailbox(mailbox)
        }
        let value: String
        do throws(MessageBuildError) {
            value = try AddressHeaders.list([address], field: "To", utf8Allowed: false)
        } catch {
            throw .build(error)
        }
        let field: HeaderField
        do throws(HeaderError) {
            field = try HeaderField(name: "To", value: value)
        } catch {
            throw .build(.header(error))
        }
        let bytes: [UInt8]
        do throws(MessageBuildError) {
            bytes = try field.serialized()
        } catch {
            throw .build(error)
        }
        let written = Field(name: Self.to, source: .written(field, bytes: bytes))
        let hasTo = fields.contains { $0.name == Self.to }
        var result: [Field] = []
        result.reserveCapacity(fields.count + 1)
        var inserted = false
        for existing in fields {
            if existing.name == Self.to || existing.name == Self.cc {
                if existing.name == Self.to && !inserted {
                    result.append(written)
                    inserted = true
                }
                continue
            }
            result.append(existing)
            if !hasTo && !inserted && existing.name == Self.from {
                result.append(written)
                inserted = true
            }
        }
        if !inserted { result.append(written) }
        fields = result
    }

    /// The first non-empty display name the `To` and `Cc` fields give `mailbox`'s address; nil when
    /// none does. A field the address parser refuses (malformed, or longer than
    /// ``AddressList/maximumInputLength``) gives no names, and neither does a name holding CR, LF or NUL.
    private func displayName(of mailbox: Mailbox) -> String? {
        let key = Self.addressKey(mailbox)
        for value in values(named: "To") + values(named: "Cc") {
            guard let list = try? AddressList.parse(value) else { continue }
            for candidate in list.lazy.flatMap(\.mailboxes) where Self.addressKey(candidate) == key {
                if let name = candidate.displayName, !name.isEmpty, HeaderField.forbiddenByteOffset(in: name) == nil {
                    return name
                }
            }
        }
        return nil
    }

    /// The local part as written and the domain in ASCII form, lowercased (the relay's notion of one address).
    private static func addressKey(_ mailbox: Mailbox) -> String {
        mailbox.localPart + "@" + ((try? IDNA.toASCII(mailbox.domain)) ?? mailbox.domain.lowercased())
    }

    private func value(of field: Field) -> String {
        switch field.source {
        case .written(let header, _):
            return header.value
        case .original(_, let colon, let end):
            // The scan allows CR and LF only as CRLF pairs, so unfolding drops both.
            var unfolded: [UInt8] = []
            unfolded.reserveCapacity(end - colon)
            for byte in original[(colon + 1)..<end] where byte != 0x0D && byte != 0x0A { unfolded.append(byte) }
            let first = unfolded.firstIndex { !ByteSearch.isWSP($0) } ?? unfolded.endIndex
            let last = unfolded.lastIndex { !ByteSearch.isWSP($0) }.map { $0 + 1 } ?? first
            return unfolded[first..<max(first, last)].withUnsafeBufferPointer { HeaderText.string($0) }
        }
    }

    static func lowercased(_ name: String) -> [UInt8] {
        name.utf8.map(HeaderField.asciiLower)
    }

    /// Splits the header section into fields; returns them and the index of the empty line (or the
    /// end of the data). Each line is found with `memchr` and its octets are looked at once.
    private static func scan(
        _ p: UnsafeBufferPointer<UInt8>, limits: MIMEParser.Limits
    ) throws(MessageCopyError) -> (fields: [Field], headerEnd: Int) {
        var fields: [Field] = []
        fields.reserveCapacity(32)
        let count = p.count
        var lineStart = 0
        while lineStart < count {
            let window = min(count, lineStart + limits.maxHeaderLineBytes + 2)
            guard let lf = ByteSearch.first(0x0A, in: p, from: lineStart, to: window) else {
                if window < count { throw .headerLineTooLong(offset: lineStart, limit: limits.maxHeaderLineBytes) }
                throw .unterminatedHeaderLine(offset: lineStart)
            }
            guard lf > lineStart, p[lf - 1] == 0x0D else { throw .bareLineFeed(offset: lf) }
            let contentEnd = lf - 1
            let next = lf + 1
            if contentEnd - lineStart > limits.maxHeaderLineBytes {
                throw .headerLineTooLong(offset: lineStart, limit: limits.maxHeaderLineBytes)
            }
            if next > limits.maxHeaderSectionBytes { throw .headerSectionTooLarge(limit: limits.maxHeaderSectionBytes) }
            if contentEnd == lineStart { return (fields, lineStart) }
            if let cr = ByteSearch.first(0x0D, in: p, from: lineStart, to: contentEnd) { throw .bareCarriageReturn(offset: cr) }
            if let nul = ByteSearch.first(0x00, in: p, from: lineStart, to: contentEnd) { throw .nulInHeader(offset: nul) }
            if ByteSearch.isWSP(p[lineStart]) {
                guard !fields.isEmpty else { throw .continuationWithoutField(offset: lineStart) }
                if case .original(let start, let colon, _) = fields[fields.count - 1].source {
                    fields[fields.count - 1].source = .original(start: start, colon: colon, end: next)
                }
            } else {
                guard let colon = ByteSearch.first(UInt8(ascii: ":"), in: p, from: lineStart, to: contentEnd) else {
                    throw .headerLineWithoutColon(offset: lineStart)
                }
                var nameEnd = colon
                while nameEnd > lineStart && ByteSearch.isWSP(p[nameEnd - 1]) { nameEnd -= 1 }
                guard nameEnd > lineStart, p[lineStart..<nameEnd].allSatisfy({ $0 >= 33 && $0 <= 126 }) else {
                    throw .invalidFieldName(offset: lineStart)
                }
                guard fields.count < limits.maxHeaderFields else {
                    throw .tooManyHeaderFields(offset: lineStart, limit: limits.maxHeaderFields)
                }
                fields.append(
                    Field(
                        name: p[lineStart..<nameEnd].map(HeaderField.asciiLower),
                        source: .original(start: lineStart, colon: colon, end: next)))
            }
            lineStart = next
        }
        return (fields, count)
    }
}
