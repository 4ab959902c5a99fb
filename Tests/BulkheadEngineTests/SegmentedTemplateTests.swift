import BulkheadTestSupport
import Mustache
import Testing

@testable import BulkheadEngine

/// The pre-split fast path must render exactly what swift-mustache renders, or step aside.
@Suite struct SegmentedTemplateTests {
    static let textPieces = [
        "Hello ", "\n", "\r\n", "  ", "\t", "<p>", "</p>", "&amp;", "&", "<", ">", "\"", "'", "é", "e\u{301}", "日本", "😀",
        "{{! a comment }}", "\n{{! standalone comment }}\n", "{ }", "} {", "{{!}}", "a.b", ".",
    ]
    static let variableTags = [
        "{{name}}", "{{ name }}", "{{{name}}}", "{{&name}}", "{{& name }}", "{{email}}", "{{first_name}}", "{{campaign}}",
        "{{unsubscribe_url}}", "{{postal_address}}", "{{missing}}", "{{attributes.city}}", "{{{attributes.city}}}",
        "{{attributes.plan.tier}}", "{{attributes.plan.seats}}", "{{attributes.n}}", "{{attributes.f}}", "{{attributes.b}}",
        "{{attributes.none}}", "{{attributes.list}}", "{{attributes.absent.deeper}}", "{{attributes.town.x}}",
    ]
    static let values: [TemplateValue] = [
        "Lyon", "<b>'x' & \"y\"</b>", "<\u{338}", "&\u{301}", "", "Zoë 日本", 3, -0.0, 2.5, 1e20, true, false, nil, ["a", "<b>"],
        ["k": "v"],
    ]

    static func randomTemplate(using generator: inout SeededGenerator) -> String {
        var source = ""
        for _ in 0..<Int.random(in: 0...12, using: &generator) {
            if Bool.random(using: &generator) {
                source += textPieces.randomElement(using: &generator)!
            } else {
                source += variableTags.randomElement(using: &generator)!
            }
        }
        return source
    }

    static func randomContext(using generator: inout SeededGenerator) throws -> CampaignTemplateContext {
        func value() -> TemplateValue { values.randomElement(using: &generator)! }
        var attributes: [String: TemplateValue] = [:]
        for key in ["city", "n", "f", "b", "none", "list", "town"] where Bool.random(using: &generator) { attributes[key] = value() }
        if Bool.random(using: &generator) { attributes["plan"] = ["tier": value(), "seats": value()] }
        let names: [String?] = [nil, "Zoë Martin", "Tom & \"Jerry\" <t@x>", "O'Neil"]
        return CampaignTemplateContext(
            recipient: try RecipientContext(
                address: "zoe@example.org", name: names.randomElement(using: &generator)!,
                attributes: attributes),
            unsubscribeURL: "https://u.example/u/a?b=1&c=2", campaignName: "Spring & Summer",
            postalAddress: Bool.random(using: &generator) ? "1 Rue <Haute>" : nil)
    }

    @Test func rendersExactlyAsSwiftMustache() throws {
        var generator = SeededGenerator(seed: 0x5E6_7E47)
        var compiledCount = 0
        var segmentedCount = 0
        var fastRenders = 0
        for _ in 0..<400 {
            let source = Self.randomTemplate(using: &generator)
            for html in [true, false] {
                // Brace pieces next to tags can make a template swift-mustache refuses ("{{{name}}").
                guard let full = try? MustacheTemplate(string: html ? source : "{{% CONTENT_TYPE: TEXT}}\n" + source) else { continue }
                compiledCount += 1
                guard let segmented = SegmentedTemplate(source: source, compiled: full) else {
                    Issue.record("plain template not segmented: \(source.debugDescription)")
                    continue
                }
                segmentedCount += 1
                for _ in 0..<5 {
                    let context = try Self.randomContext(using: &generator)
                    let expected = full.render(context.mustacheObject)
                    if let fast = segmented.render(context) {
                        fastRenders += 1
                        #expect(fast == expected, "template \(source.debugDescription) html=\(html)")
                    }
                }
            }
        }
        #expect(compiledCount > 600)
        #expect(segmentedCount == compiledCount)
        // Most renders take the fast path; the rest are values it leaves to swift-mustache.
        #expect(fastRenders > 1_000)
    }

    @Test(arguments: [
        "{{#attributes.vip}}VIP{{/attributes.vip}}", "{{^name}}friend{{/name}}", "{{> footer}}", "{{=<% %>=}}<% name %>",
        "{{uppercased(name)}}", "{{.}}", "{{attributes}}", "{{attributes.plan}} {{attributes.plan.tier}}", "{{$block}}x{{/block}}",
        "{{% CONTENT_TYPE: TEXT}}", "marker \u{F8F0}0&\u{F8F1}", "{{name",
    ])
    func otherTagsAreLeftToSwiftMustache(source: String) {
        let compiled = (try? MustacheTemplate(string: source)) ?? (try! MustacheTemplate(string: "x"))
        #expect(SegmentedTemplate(source: source, compiled: compiled) == nil)
    }

    @Test func splitsIntoTextAndSlots() throws {
        let source = "<p>Hi {{name}}, {{{attributes.city}}}{{! note }}</p>"
        let segmented = try #require(SegmentedTemplate(source: source, compiled: MustacheTemplate(string: source)))
        #expect(
            segmented.segments == [
                .text("<p>Hi "), .value(path: ["name"], escaped: true), .text(", "),
                .value(path: ["attributes", "city"], escaped: false), .text("</p>"),
            ])
    }

    @Test func valuesItCannotShowFallBack() throws {
        let source = "{{attributes.x}}"
        let segmented = try #require(SegmentedTemplate(source: source, compiled: MustacheTemplate(string: source)))
        for value: TemplateValue in [true, 2.5, nil, ["a"], ["k": "v"]] {
            let context = CampaignTemplateContext(
                recipient: try RecipientContext(address: "a@example.org", attributes: ["x": value]),
                unsubscribeURL: "https://u.example/u/a", campaignName: "c")
            #expect(segmented.render(context) == nil)
        }
    }

    @Test func campaignTemplatesUseTheSameOutputEitherWay() throws {
        // Same template, once segmentable and once made unsegmentable by an empty section.
        let body = "Hello {{name}} from {{attributes.city}} <{{email}}>"
        let fast = try CampaignTemplates(subject: "Hi {{first_name}}", text: body, html: "<p>" + body + "</p>")
        let slow = try CampaignTemplates(
            subject: "Hi {{first_name}}{{#z}}{{/z}}", text: body + "{{#z}}{{/z}}",
            html: "<p>" + body + "</p>{{#z}}{{/z}}")
        let context = CampaignTemplateContext(
            recipient: try RecipientContext(address: "o@example.org", name: "O'Neil & Co", attributes: ["city": "<Lyon>"]),
            unsubscribeURL: "https://u.example/u/a", campaignName: "c")
        #expect(try fast.render(context) == slow.render(context))
        #expect(try fast.render(context).html == "<p>Hello O&#39;Neil &amp; Co from &lt;Lyon&gt; <o@example.org></p>")
    }
}
