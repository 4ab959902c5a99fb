import Mustache

/// The public pages (unsubscribe confirmation and result): short, accessible, no script, no tracking,
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
                <style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}button{font:inherit;padding:.6rem 1.4rem;border-radius:.4rem;border:1px solid #1a1a1a;background:#1a1a1a;color:#fff;cursor:pointer}</style>
                </head>
                <body>
                <main>
                <h1>{{heading}}</h1>
                <p>{{message}}</p>
                {{#button}}
                <form method="post" action="">
                <input type="hidden" name="List-Unsubscribe" value="One-Click">
                <button type="submit">{{button}}</button>
                </form>
                {{/button}}
                </main>
                </body>
                </html>

                """)
    }()

    /// The page; with `button`, a form that POSTs `List-Unsubscribe=One-Click` back to the same URL.
    static func render(title: String, heading: String, message: String, button: String? = nil) -> String {
        var context: [String: Any] = ["title": title, "heading": heading, "message": message]
        if let button { context["button"] = button }
        return template.render(context)
    }
}
