import Mustache

/// A campaign's subject, text and HTML templates (mustache), compiled once and rendered per recipient.
///
/// Every template sees: `email`, `name`, `first_name`, `attributes` (nested, `{{attributes.city}}`),
/// `unsubscribe_url` and `campaign` (the campaign's name). `{{x}}` is HTML-escaped in the HTML
/// template only; the subject and text templates show values as they are (`{{{x}}}` and `{{&x}}`
/// mean the same there). A rendered subject holding CR, LF or NUL is an error for that recipient.
///
/// ```swift
/// let templates = try CampaignTemplates(
///     subject: "{{first_name}}, your offer",
///     text: "Hello {{name}},\nsee you in {{attributes.city}}.",
///     html: "<p>Hello {{name}}</p>")
/// let rendered = try templates.render(CampaignTemplateContext(
///     recipient: recipient, unsubscribeURL: "https://u.example/u/abc", campaignName: "Spring"))
/// rendered.subject   // "Zoë, your offer"
/// ```
public struct CampaignTemplates: Sendable {
    /// The subject template as written.
    public let subjectSource: String
    /// The text template as written.
    public let textSource: String?
    /// The HTML template as written.
    public let htmlSource: String?

    private let subject: CompiledCampaignTemplate
    private let text: CompiledCampaignTemplate?
    private let html: CompiledCampaignTemplate?

    /// Compiles the templates; at least one of `text` and `html` should be given (a message with
    /// neither gets an empty text body). Throws ``CampaignTemplateError/syntax(template:line:column:reason:excerpt:)``.
    public init(subject: String, text: String?, html: String?) throws(CampaignTemplateError) {
        self.subjectSource = subject
        self.textSource = text
        self.htmlSource = html
        self.subject = try Self.compile(subject, kind: .subject)
        self.text = try text.map { (source) throws(CampaignTemplateError) in try Self.compile(source, kind: .text) }
        self.html = try html.map { (source) throws(CampaignTemplateError) in try Self.compile(source, kind: .html) }
    }

    /// Renders the three templates for one recipient.
    public func render(_ context: CampaignTemplateContext) throws(CampaignTemplateError) -> RenderedCampaignContent {
        var object: [String: Any]?
        let renderedSubject = try renderSubject(context, object: &object)
        return RenderedCampaignContent(
            subject: renderedSubject,
            text: text?.render(context, object: &object),
            html: html?.render(context, object: &object)
        )
    }

    /// Renders only the subject, the one template whose rendering can fail for a recipient (a line
    /// break or NUL from a field). The preflight's pass over the whole audience uses it.
    ///
    /// ```swift
    /// _ = try templates.renderSubject(context) // throws CampaignTemplateError.lineBreakInSubject
    /// ```
    public func renderSubject(_ context: CampaignTemplateContext) throws(CampaignTemplateError) -> String {
        var object: [String: Any]?
        return try renderSubject(context, object: &object)
    }

    private func renderSubject(_ context: CampaignTemplateContext, object: inout [String: Any]?) throws(CampaignTemplateError) -> String {
        let rendered = subject.render(context, object: &object)
        if let offset = Self.forbiddenOffset(in: rendered) {
            throw .lineBreakInSubject(offset: offset)
        }
        return rendered
    }

    /// The pragma that makes `{{x}}` unescaped; on a line of its own, so the parser drops it with its
    /// line break and the template's first line stays the first line of output.
    private static let textPragma = "{{% CONTENT_TYPE: TEXT}}\n"

    private static func compile(_ source: String, kind: CampaignTemplateKind) throws(CampaignTemplateError) -> CompiledCampaignTemplate {
        let lineOffset = kind == .html ? 0 : 1
        do {
            let template = try MustacheTemplate(string: kind == .html ? source : textPragma + source)
            return CompiledCampaignTemplate(mustache: template, segmented: SegmentedTemplate(source: source, compiled: template))
        } catch let error as MustacheTemplate.ParserError {
            throw .syntax(
                template: kind,
                line: max(1, error.context.lineNumber - lineOffset),
                column: error.context.columnNumber,
                reason: String(describing: error.error),
                excerpt: String(error.context.line.prefix(200)))
        } catch {
            throw .syntax(template: kind, line: 1, column: 1, reason: String(describing: error), excerpt: "")
        }
    }
}

/// One compiled template: swift-mustache's, and its pre-split form when it has only plain variables.
private struct CompiledCampaignTemplate: Sendable {
    let mustache: MustacheTemplate
    let segmented: SegmentedTemplate?

    /// The fast path when it can show every value; swift-mustache otherwise (`object` is made once
    /// per recipient, on first need).
    func render(_ context: CampaignTemplateContext, object: inout [String: Any]?) -> String {
        if let segmented, let fast = segmented.render(context) { return fast }
        let values = object ?? context.mustacheObject
        object = values
        return mustache.render(values)
    }
}

/// What a campaign template sees for one recipient.
public struct CampaignTemplateContext: Sendable {
    /// The recipient (address, name, attributes).
    public var recipient: RecipientContext
    /// The recipient's own one-click unsubscribe URL.
    public var unsubscribeURL: String
    /// The campaign's name (`{{campaign}}`).
    public var campaignName: String
    /// The sender's postal address (`{{postal_address}}`), if configured.
    public var postalAddress: String?

    /// A context for one recipient.
    public init(recipient: RecipientContext, unsubscribeURL: String, campaignName: String, postalAddress: String? = nil) {
        self.recipient = recipient
        self.unsubscribeURL = unsubscribeURL
        self.campaignName = campaignName
        self.postalAddress = postalAddress
    }

    /// The names of the context's text values (every name but `attributes`).
    static let textNames = ["email", "name", "first_name", "unsubscribe_url", "campaign", "postal_address"]

    /// The text value called `name`, or nil when there is none (an unknown name, or no postal address).
    func text(named name: String) -> String? {
        switch name {
        case "email": recipient.address
        case "name": recipient.name ?? ""
        case "first_name": recipient.firstName
        case "unsubscribe_url": unsubscribeURL
        case "campaign": campaignName
        case "postal_address": postalAddress
        default: nil
        }
    }

    /// The dictionary swift-mustache renders from (dictionaries avoid its reflection path).
    var mustacheObject: [String: Any] {
        var object: [String: Any] = ["attributes": recipient.attributes.mapValues(\.mustacheValue)]
        for name in Self.textNames {
            if let text = text(named: name) { object[name] = text }
        }
        return object
    }
}

/// A campaign's content rendered for one recipient.
public struct RenderedCampaignContent: Sendable, Hashable {
    /// The subject (no CR, LF or NUL).
    public var subject: String
    /// The text/plain body, if the campaign has a text template.
    public var text: String?
    /// The text/html body, if the campaign has an HTML template.
    public var html: String?
}

extension CampaignTemplates {
    /// The UTF-8 offset of the first CR, LF or NUL in `text`, if any.
    static func forbiddenOffset(in text: String) -> Int? {
        var offset = 0
        for byte in text.utf8 {
            if byte == 0x0D || byte == 0x0A || byte == 0x00 { return offset }
            offset += 1
        }
        return nil
    }
}
