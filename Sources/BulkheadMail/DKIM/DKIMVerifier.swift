import Crypto
public import Foundation

/// Verifies the DKIM signatures of a message against keys the caller supplies (no DNS here).
///
/// ```swift
/// let record = try DKIMKeyRecord(text: "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
/// for result in try DKIMVerifier.verify(messageBytes, key: record) {
///     print(result)  // signature 1 d=example.com s=s1: pass
/// }
/// ```
public enum DKIMVerifier {
    static let signatureName = Array("dkim-signature".utf8)

    /// Verifies every DKIM-Signature field (topmost first) with the one key `key`.
    /// Returns an empty array when the message has none.
    public static func verify(_ message: [UInt8], key: DKIMKeyRecord, at date: Date = Date()) throws(DKIMMessageError) -> [DKIMSignatureResult] {
        try verify(message, at: date) { _, _ in key }
    }

    /// Verifies every DKIM-Signature field, asking `keyFor(domain, selector)` for each key
    /// (nil gives ``DKIMFailure/keyUnavailable``).
    public static func verify(
        _ message: [UInt8], at date: Date = Date(),
        keyFor: (_ domain: String, _ selector: String) -> DKIMKeyRecord?
    ) throws(DKIMMessageError) -> [DKIMSignatureResult] {
        let result = message.withUnsafeBufferPointer { p in
            Result { () throws(DKIMMessageError) -> [DKIMSignatureResult] in
                let layout = try DKIMMessageLayout.split(p)
                var results: [DKIMSignatureResult] = []
                var index = 0
                for field in layout.fields where DKIMMessageLayout.field(field, in: p, isNamed: signatureName) {
                    results.append(check(p, layout: layout, signature: field, index: index, date: date, keyFor: keyFor))
                    index += 1
                }
                return results
            }
        }
        return try result.get()
    }

    /// Verifies only the `index`-th DKIM-Signature field (0 = topmost); nil when there is no such field.
    public static func verifySignature(
        at index: Int, in message: [UInt8], key: DKIMKeyRecord, at date: Date = Date()
    ) throws(DKIMMessageError) -> DKIMSignatureResult? {
        let result = message.withUnsafeBufferPointer { p in
            Result { () throws(DKIMMessageError) -> DKIMSignatureResult? in
                let layout = try DKIMMessageLayout.split(p)
                let signatures = layout.fields.filter { DKIMMessageLayout.field($0, in: p, isNamed: signatureName) }
                guard index >= 0 && index < signatures.count else { return nil }
                return check(p, layout: layout, signature: signatures[index], index: index, date: date) { _, _ in key }
            }
        }
        return try result.get()
    }

    private static func check(
        _ p: UnsafeBufferPointer<UInt8>, layout: DKIMMessageLayout, signature field: DKIMRawField, index: Int,
        date: Date, keyFor: (String, String) -> DKIMKeyRecord?
    ) -> DKIMSignatureResult {
        let valueBytes = UnsafeBufferPointer(rebasing: p[(field.colon + 1)..<field.end])
        let tags: DKIMTagList
        do { tags = try DKIMTagList(parsing: valueBytes) } catch {
            return DKIMSignatureResult(
                index: index, domain: nil, selector: nil,
                result: .fail(.malformed(tag: error.tag, why: error.why)), weaknesses: [])
        }
        let domain = tags["d"]?.value
        let selector = tags["s"]?.value
        var weaknesses: [DKIMWeakness] = []
        let outcome: DKIMFailure?
        do {
            try checkSignature(p, layout: layout, field: field, tags: tags, date: date, keyFor: keyFor, weaknesses: &weaknesses)
            outcome = nil
        } catch {
            outcome = error
        }
        return DKIMSignatureResult(
            index: index, domain: domain, selector: selector,
            result: outcome.map { .fail($0) } ?? .pass, weaknesses: weaknesses)
    }

    private static func required(_ tags: DKIMTagList, _ name: String) throws(DKIMFailure) -> DKIMTag {
        guard let tag = tags[name] else { throw .malformed(tag: name, why: "required tag missing") }
        guard !tag.value.isEmpty || name == "b" else { throw .malformed(tag: name, why: "empty value") }
        return tag
    }

    private static func number(_ tag: DKIMTag?, maxDigits: Int) throws(DKIMFailure) -> Int64? {
        guard let tag else { return nil }
        let digits = tag.value.utf8
        guard !digits.isEmpty, digits.count <= maxDigits, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int64(tag.value)
        else {
            throw .malformed(tag: tag.name, why: "not a decimal number of at most \(maxDigits) digits")
        }
        return value
    }

    private static func base64(_ tag: DKIMTag) throws(DKIMFailure) -> Data {
        guard let data = Data(base64Encoded: tag.compactValue), !data.isEmpty else {
            throw .malformed(tag: tag.name, why: "not valid base64")
        }
        return data
    }

    private static func checkSignature(
        _ p: UnsafeBufferPointer<UInt8>, layout: DKIMMessageLayout, field: DKIMRawField, tags: DKIMTagList,
        date: Date, keyFor: (String, String) -> DKIMKeyRecord?, weaknesses: inout [DKIMWeakness]
    ) throws(DKIMFailure) {
        let version = try required(tags, "v")
        guard version.value == "1" else { throw .malformed(tag: "v", why: "version must be 1, is \(version.value)") }
        let algorithmTag = try required(tags, "a")
        guard let algorithm = DKIMAlgorithm(rawValue: algorithmTag.value) else {
            throw .unsupportedAlgorithm(algorithmTag.value)
        }
        let bTag = try required(tags, "b")
        let signature = try base64(bTag)
        let expectedBodyHash = try base64(try required(tags, "bh"))
        let domain = try required(tags, "d").value
        guard DKIMNames.isValidDomain(domain) else { throw .malformed(tag: "d", why: "not a domain name") }
        let selector = try required(tags, "s").value
        guard DKIMNames.isValidDomain(selector, allowUnderscore: true) else { throw .malformed(tag: "s", why: "not a selector") }

        let hTag = try required(tags, "h")
        var signed: [[UInt8]] = []
        for name in hTag.compactValue.split(separator: ":", omittingEmptySubsequences: false) {
            guard DKIMNames.isValidFieldName(String(name)) else {
                throw .malformed(tag: "h", why: "\"\(name)\" is not a header field name")
            }
            signed.append(DKIMNames.lowercased(String(name)))
        }
        guard signed.contains(DKIMSigner.from) else { throw .fromNotSigned }

        var headerCanon = DKIMCanonicalization.simple
        var bodyCanon = DKIMCanonicalization.simple
        if let c = tags["c"] {
            let parts = c.value.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, let h = DKIMCanonicalization(rawValue: String(parts[0])) else {
                throw .malformed(tag: "c", why: "unknown canonicalization \(c.value)")
            }
            headerCanon = h
            if parts.count == 2 {
                guard let b = DKIMCanonicalization(rawValue: String(parts[1])) else {
                    throw .malformed(tag: "c", why: "unknown canonicalization \(c.value)")
                }
                bodyCanon = b
            }
        }
        if let q = tags["q"], !DKIMKeyRecord.colonList(q.value).contains("dns/txt") {
            throw .malformed(tag: "q", why: "no supported query method (dns/txt)")
        }
        var identityDomain = domain
        if let i = tags["i"] {
            guard let at = i.value.lastIndex(of: "@") else { throw .malformed(tag: "i", why: "no @") }
            identityDomain = String(i.value[i.value.index(after: at)...])
            let lowerI = identityDomain.lowercased()
            let lowerD = domain.lowercased()
            guard lowerI == lowerD || lowerI.hasSuffix("." + lowerD) else {
                throw .malformed(tag: "i", why: "domain \(identityDomain) is not d= or a subdomain of it")
            }
        }
        let timestamp = try number(tags["t"], maxDigits: 12)
        if let expiry = try number(tags["x"], maxDigits: 12) {
            if let timestamp, expiry < timestamp { throw .malformed(tag: "x", why: "x= is before t=") }
            if Int64(date.timeIntervalSince1970.rounded(.down)) > expiry { throw .expired(at: expiry) }
        }
        let lengthLimit = try number(tags["l"], maxDigits: 18).map { Int($0) }

        // Key.
        guard let record = keyFor(domain, selector) else { throw .keyUnavailable }
        guard let key = record.publicKey else { throw .keyRevoked }
        guard record.keyType == algorithm.keyTypeTag, key.algorithm == algorithm else {
            throw .keyMismatch("a=\(algorithm.rawValue) needs k=\(algorithm.keyTypeTag), key record has k=\(record.keyType)")
        }
        if let hashes = record.hashAlgorithms, !hashes.contains("sha256") {
            throw .keyMismatch("key record h= does not allow sha256")
        }
        guard record.serviceTypes.contains("*") || record.serviceTypes.contains("email") else {
            throw .keyMismatch("key record s= does not allow email")
        }
        if record.flags.contains("s") && identityDomain.lowercased() != domain.lowercased() {
            throw .keyMismatch("key record t=s needs the i= domain to equal d=")
        }
        if record.isTesting { weaknesses.append(.testingKey) }
        if case .rsa(let bits) = key.type, bits < 2048 { weaknesses.append(.shortRSAKey(bits: bits)) }

        // Body hash.
        let body = DKIMHashing.bodyHash(p, from: layout.bodyStart, bodyCanon, limit: lengthLimit)
        if let lengthLimit {
            guard lengthLimit <= body.total else {
                throw .malformed(tag: "l", why: "l=\(lengthLimit) exceeds the canonical body length \(body.total)")
            }
            weaknesses.append(.bodyLengthLimit(signedBytes: lengthLimit, unsignedBytes: body.total - lengthLimit))
        }
        guard Data(body.digest) == expectedBodyHash else { throw .bodyHashMismatch }

        // Header hash: the signature field with the b= value (and its surrounding white space) deleted.
        let valueStart = field.colon + 1
        var stripped = Array(p[field.start..<(valueStart + bTag.afterEquals)])
        stripped.append(contentsOf: p[(valueStart + bTag.tagEnd)..<field.end])
        let headerHash = DKIMHashing.headerHash(
            message: p, fields: layout.fields, signed: signed, signatureField: stripped, headerCanon
        )
        guard key.isValidSignature(signature, for: headerHash) else { throw .signatureMismatch }
    }
}
