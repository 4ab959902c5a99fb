public import BulkheadMail

/// Guardrail rules for one finished message: what `bulkhead inspect` reports, and what the relay and
/// the campaign preflight check before anything is sent.
///
/// Each rule traces to an accident in `shared/stories/`: recipients who can see each other (a shop's
/// offer with every customer in To), a "test" mailed to a huge list, bulk mail without a working
/// one-click unsubscribe or a DKIM signature over it.
///
/// ```swift
/// let message = try MIMEParser().parse(bytes)
/// for finding in MessageRules().check(message) where finding.severity == .error {
///     print(finding)  // error recipients.exposed: 25 recipients in To/Cc can all see each other; …
/// }
/// ```
public struct MessageRules: Sendable {
    /// Visible recipients (To + Cc) from which a warning is raised: they can see each other.
    public var exposedRecipientsWarning: Int
    /// Visible recipients from which exposure is an error (GNU Mailman holds posts with ≥ 10 To+Cc).
    public var exposedRecipientsError: Int
    /// Subject words that make a message look like a test (compared case-insensitively, whole words).
    public var testSubjectWords: Set<String>
    /// Most findings of one code listed; the rest are summed up in one finding of that code
    /// ("and N more", with the worst severity among them). Default 100.
    public var maxFindingsPerCode: Int

    public init(
        exposedRecipientsWarning: Int = 2,
        exposedRecipientsError: Int = 10,
        testSubjectWords: Set<String> = ["test", "testing", "ignore", "asdf", "qwerty", "dummy", "lorem"],
        maxFindingsPerCode: Int = 100
    ) {
        self.exposedRecipientsWarning = exposedRecipientsWarning
        self.exposedRecipientsError = exposedRecipientsError
        self.testSubjectWords = testSubjectWords
        self.maxFindingsPerCode = maxFindingsPerCode
    }

    /// Every finding for `message`, most severe first (stable within a severity): at most
    /// ``maxFindingsPerCode`` of each code, then one "and N more" finding for the rest of that code
    /// (defects the parser counted but did not keep, ``MIMEEntity/omittedDefects``, included).
    public func check(_ message: MIMEEntity) -> [Finding] {
        var findings = FindingCollector(maxPerCode: maxFindingsPerCode)
        checkOriginator(message.headers, into: &findings)
        let visible = checkRecipients(message.headers, into: &findings)
        let bulk = isBulk(message.headers, visibleRecipients: visible)
        checkUnsubscribe(message.headers, bulk: bulk, into: &findings)
        checkDKIM(message.headers, bulk: bulk, into: &findings)
        checkSubject(message, into: &findings)
        for (path, entity) in Self.entitiesWithPaths(message) {
            for defect in entity.defects {
                findings.append(Finding(code: "mime.defect", severity: .warning, message: "\(path): \(defect)"))
            }
            findings.omit(code: "mime.defect", severity: .warning, count: entity.omittedDefects)
        }
        return findings.findings
    }

    private func checkOriginator(_ headers: HeaderList, into findings: inout FindingCollector) {
        let froms = headers.values(for: "From")
        switch froms.count {
        case 0:
            findings.append(Finding(code: "header.from-missing", severity: .error, message: "no From header (RFC 5322 requires one)"))
        case 1:
            break
        default:
            findings.append(Finding(code: "header.from-multiple", severity: .error, message: "\(froms.count) From headers (RFC 5322 allows one)"))
        }
        if let from = froms.first {
            do {
                let mailboxes = try AddressList.parse(from).flatMap(\.mailboxes)
                if mailboxes.count > 1 && !headers.contains("Sender") {
                    findings.append(
                        Finding(
                            code: "header.from-multiple", severity: .error, message: "From names \(mailboxes.count) mailboxes without a Sender header"
                        ))
                } else if mailboxes.isEmpty {
                    findings.append(Finding(code: "header.from-invalid", severity: .error, message: "From names no mailbox"))
                }
            } catch {
                findings.append(Finding(code: "header.from-invalid", severity: .error, message: "From: \(error)"))
            }
        }
        if !headers.contains("Date") {
            findings.append(Finding(code: "header.date-missing", severity: .warning, message: "no Date header"))
        }
        if !headers.contains("Message-ID") {
            findings.append(Finding(code: "header.message-id-missing", severity: .warning, message: "no Message-ID header"))
        }
    }

    /// Checks To/Cc/Bcc/Reply-To and returns how many recipients are visible in To and Cc.
    private func checkRecipients(_ headers: HeaderList, into findings: inout FindingCollector) -> Int {
        var visible = 0
        for name in ["To", "Cc", "Bcc", "Reply-To"] {
            for value in headers.values(for: name) {
                do {
                    let count = try AddressList.parse(value).reduce(0) { $0 + $1.mailboxes.count }
                    if name == "To" || name == "Cc" { visible += count }
                } catch {
                    findings.append(Finding(code: "address.invalid", severity: .error, message: "\(name): \(error)"))
                }
            }
        }
        if headers.contains("Bcc") {
            findings.append(
                Finding(
                    code: "recipients.bcc-header", severity: .warning,
                    message: "a Bcc header is in the message itself: every recipient can read it"))
        }
        if visible >= exposedRecipientsError {
            findings.append(
                Finding(
                    code: "recipients.exposed", severity: .error,
                    message: "\(visible) recipients in To/Cc can all see each other; send one message per recipient"))
        } else if visible >= exposedRecipientsWarning {
            findings.append(
                Finding(
                    code: "recipients.exposed", severity: .warning,
                    message: "\(visible) recipients in To/Cc can see each other"))
        }
        return visible
    }

    private func isBulk(_ headers: HeaderList, visibleRecipients: Int) -> Bool {
        if let precedence = headers["Precedence"]?.lowercased(), ["bulk", "list", "junk"].contains(precedence.trimmingWhitespace) { return true }
        return headers.contains("List-Id") || headers.contains("List-Unsubscribe") || visibleRecipients >= exposedRecipientsError
    }

    private func checkUnsubscribe(_ headers: HeaderList, bulk: Bool, into findings: inout FindingCollector) {
        guard bulk else { return }
        guard let unsubscribe = headers["List-Unsubscribe"] else {
            findings.append(
                Finding(
                    code: "unsubscribe.missing", severity: .error,
                    message: "bulk mail without List-Unsubscribe (RFC 8058, Google/Yahoo bulk-sender rules)"))
            return
        }
        let uris = Self.angleBracketed(unsubscribe)
        if !uris.contains(where: { $0.lowercased().hasPrefix("https://") }) {
            findings.append(
                Finding(
                    code: "unsubscribe.no-https", severity: .error,
                    message: "List-Unsubscribe has no https URI (RFC 8058 one-click needs one)"))
        }
        let post = headers["List-Unsubscribe-Post"]?.trimmingWhitespace
        if post != "List-Unsubscribe=One-Click" {
            findings.append(
                Finding(
                    code: "unsubscribe.no-one-click", severity: .error,
                    message: "no \"List-Unsubscribe-Post: List-Unsubscribe=One-Click\" (RFC 8058)"))
        }
    }

    private func checkDKIM(_ headers: HeaderList, bulk: Bool, into findings: inout FindingCollector) {
        let signatures = headers.values(for: "DKIM-Signature")
        if signatures.isEmpty {
            findings.append(Finding(code: "dkim.missing", severity: bulk ? .error : .info, message: "no DKIM signature"))
            return
        }
        for value in signatures {
            do {
                let summary = try DKIMSignatureSummary(parsing: value)
                for name in ["From", "List-Unsubscribe", "List-Unsubscribe-Post"] where headers.contains(name) && !summary.signs(name) {
                    findings.append(
                        Finding(
                            code: "dkim.header-unsigned", severity: .error,
                            message: "the DKIM signature of \(summary.domain) does not cover \(name)"))
                }
            } catch {
                findings.append(Finding(code: "dkim.malformed", severity: .error, message: "DKIM-Signature: \(error)"))
            }
        }
    }

    private func checkSubject(_ message: MIMEEntity, into findings: inout FindingCollector) {
        guard let subject = message.decodedHeader("Subject") else {
            findings.append(Finding(code: "header.subject-missing", severity: .warning, message: "no Subject header"))
            return
        }
        let words = subject.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        if let word = words.first(where: testSubjectWords.contains) {
            findings.append(
                Finding(
                    code: "subject.looks-like-test", severity: .warning,
                    message: "the subject contains \"\(word)\": is this a test going to real recipients?"))
        }
    }

    static func angleBracketed(_ value: String) -> [String] {
        var result: [String] = []
        var current: String?
        for character in value {
            if character == "<" {
                current = ""
            } else if character == ">" {
                if let uri = current { result.append(uri.filter { !$0.isWhitespace }) }
                current = nil
            } else if current != nil {
                current!.append(character)
            }
        }
        return result
    }

    static func entitiesWithPaths(_ root: MIMEEntity) -> [(String, MIMEEntity)] {
        var result: [(String, MIMEEntity)] = []
        var stack: [(String, MIMEEntity)] = [("message", root)]
        while let (path, entity) = stack.popLast() {
            result.append((path, entity))
            if let inner = entity.embeddedMessage { stack.append((path + ".message", inner)) }
            for (index, part) in entity.parts.enumerated().reversed() { stack.append(("\(path).\(index + 1)", part)) }
        }
        return result
    }
}

extension String {
    var trimmingWhitespace: String {
        var view = Substring(self)
        while view.first?.isWhitespace == true { view.removeFirst() }
        while view.last?.isWhitespace == true { view.removeLast() }
        return String(view)
    }
}
