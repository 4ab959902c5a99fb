/// Rule 2 of the campaign preflight: mail that looks like a test does not go to a real audience (the
/// story of the "test" sent to 840,000 people). The way to test is `bulkhead campaign test`.
struct TestMailRules {
    let thresholds: GuardrailThresholds

    /// Whole words (case-insensitive) that make a subject or body look like a test.
    static let testWords: Set<String> = ["test", "testing", "asdf", "qwerty"]
    /// Phrases (case-insensitive, anywhere) that make it look like a test or an unfinished draft.
    static let testPhrases = ["ignore this", "please ignore", "lorem ipsum"]

    func check(_ plan: SendPlan) -> [Finding] {
        let parts = [("subject", plan.subject), ("text body", plan.text)] + (plan.html.map { [("HTML body", $0)] } ?? [])
        return Self.findings(
            parts: parts, recipients: plan.eligibleRecipients, threshold: thresholds.testMailFrom,
            fix: "test with: bulkhead campaign test ID --to YOU@EXAMPLE.COM")
    }

    /// One `error` finding per part (location, text) that looks like a test, for mail going to
    /// `recipients` real recipients; none below `threshold`. Campaigns and the relay both judge with it.
    static func findings(parts: [(String, String)], recipients: Int, threshold: Int, fix: String) -> [Finding] {
        guard recipients >= threshold else { return [] }
        return parts.compactMap { location, text in
            testSign(in: text).map { sign in
                Finding(
                    code: "content.looks-like-test", severity: .error,
                    message: "the \(location) \(sign): this looks like a test, going to \(recipients) real recipients",
                    location: location, fix: fix)
            }
        }
    }

    /// Why `text` looks like a test or an unfinished draft, or nil.
    static func testSign(in text: String) -> String? {
        let lower = text.lowercased()
        if lower.contains("{{") || lower.contains("}}") { return "holds an unrendered template tag ({{ or }})" }
        if let phrase = testPhrases.first(where: lower.contains) { return "says \"\(phrase)\"" }
        let words = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        if let word = words.first(where: testWords.contains) { return "says \"\(word)\"" }
        if let placeholder = bracketedPlaceholder(in: text) { return "holds the placeholder \(placeholder)" }
        return nil
    }

    /// A `[FIRST NAME]`-style placeholder: square brackets around 2 to 40 capital letters, spaces or `_`.
    static func bracketedPlaceholder(in text: String) -> String? {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "[") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "]") else { return nil }
            let inside = after[..<close]
            if (2...40).contains(inside.count), inside.contains(where: \.isUppercase),
                inside.allSatisfy({ $0.isUppercase || $0 == " " || $0 == "_" })
            {
                return "[\(inside)]"
            }
            rest = after
        }
        return nil
    }
}
