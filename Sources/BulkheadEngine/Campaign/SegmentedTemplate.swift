import Mustache

/// A template made only of text, comments and plain variables (`{{name}}`, `{{{name}}}`,
/// `{{&name}}`, dotted names such as `{{attributes.city}}`), pre-split into static text and value
/// slots so that a recipient's render is a few string appends instead of swift-mustache's dynamic
/// lookups. swift-mustache stays the reference: the split is taken from swift-mustache's own render
/// of the template with a marker in every slot, and any value the fast path cannot show exactly as
/// swift-mustache would (booleans, fractions, null, lists, objects) makes ``render(_:)`` return nil,
/// so that the caller renders that recipient with swift-mustache.
///
/// Templates with sections, partials, delimiters, pragmas or transforms are not segmented
/// (`init` returns nil) and are always rendered by swift-mustache.
///
/// ```swift
/// let template = try MustacheTemplate(string: "<p>Hello {{name}}</p>")
/// let fast = SegmentedTemplate(source: "<p>Hello {{name}}</p>", compiled: template)
/// fast?.render(context)   // "<p>Hello Zo&#39;e</p>" for the name "Zo'e"
/// ```
struct SegmentedTemplate: Sendable {
    enum Segment: Sendable, Equatable {
        case text(String)
        case value(path: [String], escaped: Bool)
    }

    let segments: [Segment]
    private let staticLength: Int

    /// Splits `compiled` (compiled from `source`, possibly with a pragma line in front); nil when
    /// the source uses anything but text, comments and plain variables.
    init?(source: String, compiled: MustacheTemplate) {
        guard let paths = Self.variablePaths(in: source),
            paths.allSatisfy(CampaignTemplateContext.isPlainValuePath)
        else { return nil }
        // Each distinct path gets a marker: U+F8F0, its number, "&", U+F8F1. The "&" shows whether
        // swift-mustache escaped the slot ("&amp;") or not.
        var distinct: [[String]] = []
        for path in paths where !distinct.contains(path) { distinct.append(path) }
        guard let markerContext = Self.markerContext(for: distinct) else { return nil }
        guard let segments = Self.split(compiled.render(markerContext), paths: distinct),
            segments.count(where: { if case .value = $0 { true } else { false } }) == paths.count
        else { return nil }
        self.segments = segments
        self.staticLength = segments.reduce(0) { total, segment in
            if case .text(let text) = segment { total + text.utf8.count } else { total }
        }
    }

    /// The rendered text, or nil when a value must be rendered by swift-mustache.
    func render(_ context: CampaignTemplateContext) -> String? {
        var output = ""
        output.reserveCapacity(staticLength + 256)
        for segment in segments {
            switch segment {
            case .text(let text):
                output += text
            case .value(let path, let escaped):
                guard let value = context.plainValue(at: path) else { return nil }
                if escaped {
                    HTMLEscaping.append(value, to: &output)
                } else {
                    output += value
                }
            }
        }
        return output
    }

    private static let markerStart: Unicode.Scalar = "\u{F8F0}"
    private static let markerEnd: Unicode.Scalar = "\u{F8F1}"

    /// The paths of the source's variable tags in order, or nil when the source has any other kind
    /// of tag (sections, partials, blocks, delimiter changes, pragmas, transforms) or marker characters.
    static func variablePaths(in source: String) -> [[String]]? {
        guard !source.unicodeScalars.contains(where: { $0 == markerStart || $0 == markerEnd }) else { return nil }
        var paths: [[String]] = []
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            let triple = rest.first == "{"
            let closing = triple ? "}}}" : "}}"
            if triple { rest = rest.dropFirst() }
            guard let close = rest.range(of: closing) else { return nil }
            var content = rest[..<close.lowerBound].trimmingWhitespace()
            rest = rest[close.upperBound...]
            if !triple, content.first == "!" { continue }
            if !triple, content.first == "&" { content = content.dropFirst().trimmingWhitespace() }
            guard let path = variablePath(content) else { return nil }
            paths.append(path)
        }
        return paths
    }

    /// `name` or `name.name…` of letters, digits, `_` and `-`; nil for anything else.
    private static func variablePath(_ name: Substring) -> [String]? {
        let components = name.split(separator: ".", omittingEmptySubsequences: false)
        guard !components.isEmpty else { return nil }
        for component in components {
            guard !component.isEmpty, component.utf8.allSatisfy(\.isASCIINameByte) else { return nil }
        }
        return components.map(String.init)
    }

    /// A context with each path's marker at its place; nil when one path is a prefix of another
    /// (a slot would show a whole object).
    private static func markerContext(for paths: [[String]]) -> [String: Any]? {
        for path in paths {
            for other in paths where other.count > path.count && Array(other.prefix(path.count)) == path {
                return nil
            }
        }
        var root: [String: Any] = [:]
        for (index, path) in paths.enumerated() {
            insert("\(markerStart)\(index)&\(markerEnd)", at: path[...], into: &root)
        }
        return root
    }

    private static func insert(_ value: String, at path: ArraySlice<String>, into object: inout [String: Any]) {
        guard let key = path.first else { return }
        if path.count == 1 {
            object[key] = value
        } else {
            var child = object[key] as? [String: Any] ?? [:]
            insert(value, at: path.dropFirst(), into: &child)
            object[key] = child
        }
    }

    /// Splits a render of the marker context into text and slots; nil on anything unexpected.
    private static func split(_ rendered: String, paths: [[String]]) -> [Segment]? {
        var segments: [Segment] = []
        var text = String.UnicodeScalarView()
        var scalars = rendered.unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == markerStart else {
                if scalar == markerEnd { return nil }
                text.append(scalar)
                continue
            }
            var digits = ""
            while let next = scalars.first, next.properties.numericType == .decimal, next.isASCII {
                digits.unicodeScalars.append(next)
                scalars.removeFirst()
            }
            guard let index = Int(digits), paths.indices.contains(index) else { return nil }
            let escaped: Bool
            if scalars.starts(with: "&\(markerEnd)".unicodeScalars) {
                escaped = false
                scalars.removeFirst(2)
            } else if scalars.starts(with: "&amp;\(markerEnd)".unicodeScalars) {
                escaped = true
                scalars.removeFirst(6)
            } else {
                return nil
            }
            if !text.isEmpty { segments.append(.text(String(text))) }
            text = String.UnicodeScalarView()
            segments.append(.value(path: paths[index], escaped: escaped))
        }
        if !text.isEmpty { segments.append(.text(String(text))) }
        return segments
    }
}

extension UInt8 {
    /// An ASCII letter, digit, `-` or `_`: what names in templates and configuration keys are made of.
    var isASCIINameByte: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
            || self == UInt8(ascii: "-") || self == UInt8(ascii: "_")
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" || first == "\n" || first == "\r" { result.removeFirst() }
        while let last = result.last, last == " " || last == "\t" || last == "\n" || last == "\r" { result.removeLast() }
        return result
    }
}

/// HTML escaping exactly as swift-mustache does it (`<`, `>`, `&`, `"`, `'`, one Character at a time).
enum HTMLEscaping {
    static func append(_ value: String, to output: inout String) {
        let needsEscaping = value.utf8.contains { byte in
            byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "&")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'")
        }
        guard needsEscaping else {
            output += value
            return
        }
        // Character by Character, as swift-mustache does: "<" followed by a combining mark is one
        // Character and stays as it is there, so it does here.
        for character in value {
            switch character {
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "&": output += "&amp;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.append(character)
            }
        }
    }
}

extension CampaignTemplateContext {
    /// True for the paths ``plainValue(at:)`` can resolve: one name, or `attributes.` and a member path.
    static func isPlainValuePath(_ path: [String]) -> Bool {
        path.count == 1 ? path[0] != "attributes" : path.first == "attributes"
    }

    /// The text swift-mustache shows for `path`: "" for a missing value, the string or whole number
    /// itself; nil for a value it shows in a way the fast path does not reproduce.
    func plainValue(at path: [String]) -> String? {
        guard let first = path.first else { return nil }
        if path.count == 1 {
            // swift-mustache shows a missing value as nothing; `attributes` itself is an object.
            return first == "attributes" ? nil : text(named: first) ?? ""
        }
        guard first == "attributes" else { return nil }
        var members = recipient.attributes
        for (offset, key) in path.dropFirst().enumerated() {
            guard let value = members[key] else { return "" }
            let isLast = offset == path.count - 2
            switch value {
            case .object(let children) where !isLast:
                members = children
            case .string(let text) where isLast:
                return text
            case .number(let number) where isLast:
                return TemplateValue.integral(number).map(String.init)
            default:
                return nil
            }
        }
        return nil
    }
}
