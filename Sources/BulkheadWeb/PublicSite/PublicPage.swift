import Mustache

/// The public pages (unsubscribe, sign-up, confirmation, preferences): short, accessible, no script, no tracking,
/// nothing fetched from elsewhere. Rendered with swift-mustache, which escapes every value.
///
/// ```swift
/// let html = PublicPage.render(title: "Unsubscribe", heading: "Unsubscribe from news?", message: "…", button: "Unsubscribe")
/// ```
enum PublicPage {
    private static let template: MustacheTemplate = {
        // A fixed template: a parse error here is a programming error caught by every test.
        // swift-format-ignore: NeverUseForceTry
        try! MustacheTemplate(
            string: """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="robots" content="noindex">
                <title>{{title}}</title>
                <style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}input[type=checkbox]{width:auto}button{font:inherit;padding:.6rem 1.4rem;border-radius:.4rem;border:1px solid #1a1a1a;background:#1a1a1a;color:#fff;cursor:pointer}</style>
                </head>
                <body>
                <main>
                <h1>{{heading}}</h1>
                <p>{{message}}</p>
                {{#form}}
                <form method="post" action="">
                {{#hidden}}
                <input type="hidden" name="{{name}}" value="{{value}}">
                {{/hidden}}
                {{#fields}}
                <p><label for="{{name}}">{{label}}</label><br><input id="{{name}}" name="{{name}}" type="{{type}}" autocomplete="{{autocomplete}}" maxlength="254"{{#required}} required{{/required}}></p>
                {{/fields}}
                {{#choices}}
                <p><label><input type="checkbox" name="{{name}}" value="{{value}}"> {{label}}</label></p>
                {{/choices}}
                <button type="submit">{{button}}</button>
                </form>
                {{/form}}
                </main>
                </body>
                </html>

                """)
    }()

    /// The page; with `button`, a form that POSTs `List-Unsubscribe=One-Click` back to the same URL.
    static func render(title: String, heading: String, message: String, button: String? = nil) -> String {
        render(
            title: title, heading: heading, message: message,
            form: button.map { PublicForm(button: $0, hidden: [("List-Unsubscribe", "One-Click")]) })
    }

    /// The page with `form` (POSTed back to the same URL) under the message.
    static func render(title: String, heading: String, message: String, form: PublicForm?) -> String {
        var context: [String: Any] = ["title": title, "heading": heading, "message": message]
        if let form { context["form"] = form.context }
        return template.render(context)
    }
}

/// A form on a public page: hidden fields, labelled inputs, checkboxes, one submit button. Every
/// value is escaped when rendered.
///
/// ```swift
/// let form = PublicForm(button: "Sign up", fields: [.init(name: "email", label: "Your e-mail address", type: "email", required: true)])
/// ```
struct PublicForm {
    /// A labelled input.
    struct Field {
        var name: String
        var label: String
        var type = "text"
        var autocomplete = "off"
        var required = false
    }

    /// A checkbox (`name=value` when ticked).
    struct Choice {
        var name: String
        var value: String
        var label: String
    }

    var button: String
    var hidden: [(name: String, value: String)] = []
    var fields: [Field] = []
    var choices: [Choice] = []

    var context: [String: Any] {
        [
            "button": button,
            "hidden": hidden.map { ["name": $0.name, "value": $0.value] },
            "fields": fields.map { ["name": $0.name, "label": $0.label, "type": $0.type, "autocomplete": $0.autocomplete, "required": $0.required] },
            "choices": choices.map { ["name": $0.name, "value": $0.value, "label": $0.label] },
        ]
    }
}
