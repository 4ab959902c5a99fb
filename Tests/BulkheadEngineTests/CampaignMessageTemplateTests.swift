import Testing

@testable import BulkheadEngine

@Suite struct CampaignMessageTemplateTests {
    static func context(name: String? = "Zoë Martin", attributes: [String: TemplateValue] = [:]) throws -> CampaignTemplateContext {
        CampaignTemplateContext(
            recipient: try RecipientContext(address: "zoe@example.org", name: name, attributes: attributes),
            unsubscribeURL: "https://u.example/u/abc", campaignName: "Spring & Summer")
    }

    @Test func rendersEveryContextVariable() throws {
        let templates = try CampaignTemplates(
            subject: "{{first_name}}: {{campaign}}",
            text: "{{email}}|{{name}}|{{first_name}}|{{attributes.city}}|{{attributes.plan.seats}}|{{unsubscribe_url}}|{{campaign}}",
            html: nil)
        let rendered = try templates.render(Self.context(attributes: ["city": "Lyon", "plan": ["seats": 3, "tier": "gold"]]))
        #expect(rendered.subject == "Zoë: Spring & Summer")
        #expect(rendered.text == "zoe@example.org|Zoë Martin|Zoë|Lyon|3|https://u.example/u/abc|Spring & Summer")
        #expect(rendered.html == nil)
    }

    @Test func htmlIsEscapedTextAndSubjectAreNot() throws {
        let templates = try CampaignTemplates(
            subject: "{{attributes.x}}", text: "{{attributes.x}} {{name}}", html: "<p>{{attributes.x}} {{name}}</p>")
        let rendered = try templates.render(Self.context(name: "Tom & \"Jerry\"", attributes: ["x": "<b>'a' & b</b>"]))
        #expect(rendered.subject == "<b>'a' & b</b>")
        #expect(rendered.text == "<b>'a' & b</b> Tom & \"Jerry\"")
        #expect(rendered.html == "<p>&lt;b&gt;&#39;a&#39; &amp; b&lt;/b&gt; Tom &amp; &quot;Jerry&quot;</p>")
    }

    @Test func textEscapingHoldsInsideSections() throws {
        let templates = try CampaignTemplates(
            subject: "s", text: "{{#attributes.items}}[{{.}}]{{/attributes.items}}{{^attributes.none}}-{{/attributes.none}}",
            html: "{{#attributes.items}}[{{.}}]{{/attributes.items}}")
        let rendered = try templates.render(Self.context(attributes: ["items": ["<a>", "&"], "none": nil]))
        #expect(rendered.text == "[<a>][&]-")
        #expect(rendered.html == "[&lt;a&gt;][&amp;]")
    }

    @Test func leadingLineBreakOfTextTemplateIsKept() throws {
        let templates = try CampaignTemplates(subject: "s", text: "\nHello\n", html: nil)
        #expect(try templates.render(Self.context()).text == "\nHello\n")
    }

    @Test func numbersAndBooleansRender() throws {
        let templates = try CampaignTemplates(
            subject: "s", text: "{{attributes.n}} {{attributes.f}} {{#attributes.b}}yes{{/attributes.b}}", html: nil)
        let rendered = try templates.render(Self.context(attributes: ["n": 42, "f": 2.5, "b": true]))
        #expect(rendered.text == "42 2.5 yes")
    }

    @Test func syntaxErrorNamesTemplateAndPosition() throws {
        #expect(throws: CampaignTemplateError.self) { try CampaignTemplates(subject: "ok", text: "line one\nline {{#open}} two", html: nil) }
        do {
            _ = try CampaignTemplates(subject: "ok", text: "fine", html: "<p>\n<b>{{name</b>")
            Issue.record("expected a syntax error")
        } catch let .syntax(template, line, _, _, excerpt) {
            #expect(template == .html)
            #expect(line == 2)
            #expect(excerpt.contains("{{name"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        do {
            _ = try CampaignTemplates(subject: "Hi {{#x}}", text: nil, html: nil)
            Issue.record("expected a syntax error")
        } catch let .syntax(template, line, _, _, _) {
            #expect(template == .subject)
            #expect(line == 1, "the pragma line must not count")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: ["\r", "\n", "\r\n", "\u{0}"])
    func lineBreakInRenderedSubjectIsAnError(breaker: String) throws {
        let templates = try CampaignTemplates(subject: "Hello {{attributes.evil}}", text: "t", html: nil)
        #expect(throws: CampaignTemplateError.lineBreakInSubject(offset: 9)) {
            try templates.render(Self.context(attributes: ["evil": .string("you" + breaker + "Bcc: all@example.com")]))
        }
    }

    @Test func namesLoseControlCharacters() throws {
        let recipient = try RecipientContext(address: "a@example.org", name: "  Eve\r\nBcc: x@example.com\t ")
        #expect(recipient.name == "Eve Bcc: x@example.com")
        #expect(recipient.firstName == "Eve")
        #expect(try RecipientContext(address: "a@example.org", name: "\r\n").name == nil)
    }

    @Test func recipientMustBeOneAddrSpec() {
        #expect(throws: CampaignMessageError.self) { try RecipientContext(address: "a@example.org, b@example.org") }
        #expect(throws: CampaignMessageError.self) { try RecipientContext(address: "Ann <a@example.org>") }
        #expect(throws: CampaignMessageError.self) { try RecipientContext(address: "group: a@example.org;") }
    }
}
