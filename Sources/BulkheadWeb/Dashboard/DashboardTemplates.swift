import Mustache

/// The dashboard's pages as swift-mustache templates, compiled into the binary (no files to install,
/// nothing fetched from elsewhere). Every `{{value}}` is HTML-escaped; the one triple `{{{body}}}` of
/// the layout takes a page these templates rendered.
enum DashboardTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in templates {
            // Fixed templates: a parse error is a programming error that every test would show.
            // swift-format-ignore: NeverUseForceTry
            try! library.register(text, named: name)
        }
        return library
    }()

    /// Renders `name` with `object` (dictionaries and arrays of them).
    static func render(_ name: String, _ object: [String: Any]) -> String {
        library.render(object, withTemplate: name) ?? ""
    }

    static let templates: [String: String] = [
        "layout": """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>{{title}} · Bulkhead</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="/assets/app.css">
        <script src="/assets/app.js" defer></script>
        </head>
        <body>
        {{#user}}
        <header>
        <nav aria-label="Main">
        <a href="/">Overview</a>
        <a href="/approvals">Approvals</a>
        <a href="/holds">Hold queue</a>
        <a href="/lists">Lists</a>
        <a href="/suppressions">Suppressions</a>
        <a href="/captured">Captured mail</a>
        <a href="/drill">Drill</a>
        <span class="who">{{name}} ({{roles}})</span>
        <form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="logout">Log out</button></form>
        </nav>
        </header>
        {{/user}}
        <main>
        {{#notice}}<p class="notice" role="status" id="notice">{{notice}}</p>{{/notice}}
        {{#problem}}<p class="problem" role="alert" id="problem">{{problem}}</p>{{/problem}}
        {{{body}}}
        </main>
        </body>
        </html>

        """,
        "login": """
        <h1>Log in to Bulkhead</h1>
        {{#noUsers}}<p class="problem">No user exists yet. Create the first admin on the server: <code>bulkhead user create NAME --role admin --password-stdin</code></p>{{/noUsers}}
        <form method="post" action="/login" class="stack">
        <input type="hidden" name="next" value="{{next}}">
        <label>User <input name="user" id="user" autocomplete="username" required value="{{userName}}"></label>
        <label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
        <button type="submit" id="login">Log in</button>
        </form>

        """,
        "overview": """
        <h1>Overview</h1>
        <section class="stop">
        {{#stopped}}
        <p class="problem" id="stop-state">Emergency stop in force since {{since}} ({{by}}: {{reason}}). Nothing starts or is relayed until it is lifted; then resume campaigns one by one.</p>
        {{#mayRelease}}<form method="post" action="/stop-all/release"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="release-stop">Lift the emergency stop</button></form>{{/mayRelease}}
        {{/stopped}}
        {{^stopped}}
        <form method="post" action="/stop-all" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Why <input name="reason" id="stop-reason" required placeholder="wrong list"></label>
        <label>Type STOP to confirm <input name="confirm" id="stop-confirm" required pattern="STOP" autocomplete="off"></label>
        <button type="submit" class="danger big" id="stop-all">Stop everything</button>
        </form>
        {{/stopped}}
        </section>
        <section>
        <h2>Campaigns</h2>
        {{#mayAuthor}}<p><a href="/campaigns/new" id="new-campaign">New campaign</a></p>{{/mayAuthor}}
        <table>
        <thead><tr><th>#</th><th>Name</th><th>State</th><th>Sent</th><th>Queued</th><th>Failed</th><th>Total</th></tr></thead>
        <tbody>
        {{#campaigns}}<tr><td>{{id}}</td><td><a href="/campaigns/{{id}}">{{name}}</a></td><td><span class="state">{{state}}</span>{{#reason}} ({{reason}}){{/reason}}</td><td>{{sent}}</td><td>{{queued}}</td><td>{{failed}}</td><td>{{total}}</td></tr>
        {{/campaigns}}
        {{^campaigns}}<tr><td colspan="7">No campaigns yet.</td></tr>{{/campaigns}}
        </tbody>
        </table>
        </section>
        <section>
        <h2>Guard relay</h2>
        <p><a href="/holds">{{held}} held</a>, {{waiting}} in their undo window, {{queued}} queued; {{breakers}} sender breaker(s) open.</p>
        </section>
        <section>
        <h2>Hosted lists</h2>
        <ul id="hosted-lists">{{#lists}}<li>{{name}} &lt;{{address}}&gt; — policy {{policy}}{{#emergency}}, <strong>emergency switch on</strong>{{/emergency}}
        {{#storms}}<br><strong class="storm">Reply-all storm blocked</strong> in thread “{{thread}}” until {{until}}{{/storms}}</li>{{/lists}}{{^lists}}<li>No hosted lists.</li>{{/lists}}</ul>
        </section>

        """,
        "campaignNew": """
        <h1>New campaign</h1>
        <form method="post" action="/campaigns" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Name <input name="name" id="campaign-name" required value="{{name}}"></label>
        <label>List <select name="list" id="campaign-list">{{#lists}}<option value="{{id}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/lists}}</select></label>
        <label>Subject <input name="subject" id="campaign-subject" required value="{{subject}}"></label>
        <label>Text <textarea name="text" id="campaign-text" rows="8" required>{{text}}</textarea></label>
        <label>HTML (optional) <textarea name="html" id="campaign-html" rows="8">{{html}}</textarea></label>
        <label><input type="checkbox" name="transactional" value="1"> Transactional (receipts, notices)</label>
        <button type="submit" id="create-campaign">Create draft</button>
        </form>

        """,
        "campaign": """
        <h1>Campaign {{id}}: {{name}}</h1>
        <p>State <strong class="state" id="state">{{state}}</strong>{{#reason}} <span id="reason">({{reason}})</span>{{/reason}} · created by {{createdBy}} · list {{listName}}</p>
        {{#stopFigures}}<p class="notice" id="after-stop">Stopped by {{by}} at {{at}}: {{completed}} message(s) in flight completed after the stop, {{released}} claimed recipient(s) went back unsent.</p>{{/stopFigures}}
        <section class="live" data-events="/campaigns/{{id}}/events" data-deadline="{{deadline}}">
        <h2>Delivery</h2>
        <dl class="counts">
        {{#counts}}<div><dt>{{label}}</dt><dd data-count="{{key}}" id="count-{{key}}">{{value}}</dd></div>{{/counts}}
        <div><dt>total</dt><dd data-count="total" id="count-total">{{total}}</dd></div>
        <div><dt>rate</dt><dd id="rate">–</dd></div>
        <div><dt>ETA</dt><dd id="eta">–</dd></div>
        </dl>
        <p id="countdown" class="notice"{{^deadline}} hidden{{/deadline}}>Undo window: <span id="countdown-seconds"></span> s left.</p>
        <div class="actions">
        {{#actions}}
        <form method="post" action="/campaigns/{{id}}/{{verb}}" class="inline">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#confirmField}}<label>Type the eligible count to confirm <input name="confirm" id="confirm" inputmode="numeric" size="8"></label>{{/confirmField}}
        <button type="submit" id="action-{{verb}}" class="{{style}}">{{label}}</button>
        </form>
        {{/actions}}
        </div>
        <figure><figcaption>Messages per minute</figcaption>{{{chart}}}</figure>
        </section>
        <section>
        <h2>Audience</h2>
        <p><strong id="eligible">{{eligible}}</strong> eligible; excluded: {{unconfirmed}} unconfirmed, {{unsubscribed}} unsubscribed, {{suppressed}} suppressed, {{noConsent}} without a consent record.</p>
        </section>
        {{#hasFindings}}
        <section>
        <h2>Preflight</h2>
        <table id="findings"><thead><tr><th>Severity</th><th>Code</th><th>Finding</th><th>Fix</th></tr></thead><tbody>
        {{#findings}}<tr class="sev-{{severity}}"><td>{{severity}}</td><td><code>{{code}}</code></td><td>{{message}}</td><td>{{fix}}</td></tr>{{/findings}}
        </tbody></table>
        <ul id="requirements">{{#unmet}}<li>{{.}}</li>{{/unmet}}</ul>
        </section>
        {{/hasFindings}}
        <section>
        <h2>Approval</h2>
        <p id="approval">{{approval}}</p>
        {{#fingerprint}}<p>Content hash <code id="fingerprint">{{fingerprint}}</code></p>{{/fingerprint}}
        <ul>{{#approvals}}<li>{{at}}: {{decision}} by {{by}}{{#comment}} — “{{comment}}”{{/comment}}</li>{{/approvals}}</ul>
        {{#mayDecide}}
        <form method="post" action="/campaigns/{{id}}/approve" class="stack">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label>Comment <input name="comment" id="approval-comment"></label>
        <div><button type="submit" id="approve">Approve</button>
        <button type="submit" formaction="/campaigns/{{id}}/reject" id="reject" class="danger">Reject</button></div>
        </form>
        {{/mayDecide}}
        </section>
        <section>
        <h2>Preview</h2>
        <form method="get" action="/campaigns/{{id}}" class="inline"><label>Recipient <input name="recipient" id="preview-recipient" value="{{recipient}}" placeholder="{{sampleAddress}}"></label> <button type="submit" id="preview">Preview</button></form>
        {{#previewProblem}}<p class="problem">{{previewProblem}}</p>{{/previewProblem}}
        <p>Subject: <strong id="preview-subject">{{previewSubject}}</strong></p>
        {{#hasHTML}}<iframe title="HTML preview" id="preview-html" sandbox src="/campaigns/{{id}}/preview.html{{previewQuery}}"></iframe>{{/hasHTML}}
        <pre id="preview-text">{{previewText}}</pre>
        </section>
        <section>
        <h2>Incident</h2>
        <p><a href="/campaigns/{{id}}/incident" id="incident">The incident report</a>: what was sent, to whom, when, and what was done.</p>
        </section>
        <section>
        <h2>History</h2>
        <ol class="history">{{#history}}<li>{{at}} — {{action}} by {{actor}}{{#details}} <small>{{details}}</small>{{/details}}</li>{{/history}}</ol>
        </section>

        """,
        "approvals": """
        <h1>Approvals</h1>
        <p>Campaigns not yet sent, with their approval. An approver other than the author decides on the campaign page.</p>
        <table><thead><tr><th>#</th><th>Name</th><th>State</th><th>Author</th><th>Eligible</th><th>Approval</th></tr></thead><tbody>
        {{#campaigns}}<tr><td>{{id}}</td><td><a href="/campaigns/{{id}}">{{name}}</a></td><td>{{state}}</td><td>{{createdBy}}</td><td>{{eligible}}</td><td>{{approval}}</td></tr>{{/campaigns}}
        {{^campaigns}}<tr><td colspan="6">Nothing waits for a decision.</td></tr>{{/campaigns}}
        </tbody></table>

        """,
        "holds": """
        <h1>Hold queue</h1>
        <p>Held relay messages and list posts never expire: each waits for a person.</p>
        <table id="holds"><thead><tr><th>#</th><th>Received</th><th>Sender</th><th>Subject</th><th>Recipients</th><th>State</th><th>Why</th><th>Decide</th></tr></thead><tbody>
        {{#messages}}<tr id="hold-{{id}}"><td>{{id}}</td><td>{{received}}</td><td>{{sender}}</td><td>{{subject}}</td><td>{{recipients}}</td><td>{{state}}</td>
        <td>{{reason}}<ul>{{#findings}}<li><code>{{code}}</code> {{message}}</li>{{/findings}}</ul></td>
        <td>{{#mayDecide}}{{#held}}
        <form method="post" action="/holds/{{id}}/release" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="form" value="split"><button type="submit" id="split-{{id}}">Release as individual copies</button></form>
        <form method="post" action="/holds/{{id}}/release" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="form" value="bcc"><button type="submit" id="bcc-{{id}}">Release as Bcc</button></form>
        <form method="post" action="/holds/{{id}}/release" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="form" value="original"><button type="submit" id="release-{{id}}">Release as sent</button></form>
        <form method="post" action="/holds/{{id}}/discard" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger" id="discard-{{id}}">Discard</button></form>
        {{/held}}{{/mayDecide}}
        {{#waiting}}<form method="post" action="/holds/{{id}}/recall" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="recall-{{id}}">Recall</button></form>{{/waiting}}
        </td></tr>
        {{/messages}}
        {{^messages}}<tr><td colspan="8">Nothing is held.</td></tr>{{/messages}}
        </tbody></table>

        """,
        "captured": """
        <h1>Captured mail</h1>
        <p>{{total}} message(s) in the capture mailbox {{directory}}: nothing here left the machine.</p>
        <table id="captured"><thead><tr><th>Captured</th><th>From</th><th>To</th><th></th></tr></thead><tbody>
        {{#messages}}<tr><td>{{at}}</td><td>{{from}}</td><td>{{to}}</td><td><a href="/captured/{{id}}">show</a></td></tr>{{/messages}}
        {{^messages}}<tr><td colspan="4">The capture mailbox is empty.</td></tr>{{/messages}}
        </tbody></table>
        {{#more}}<p><a href="/captured?offset={{next}}">Older</a></p>{{/more}}

        """,
        "capturedMessage": """
        <h1>Captured message</h1>
        <p>Envelope: from {{from}} to {{to}}, captured {{at}}. The message is shown as its source: nothing in it runs or loads.</p>
        <pre class="source" id="source">{{source}}</pre>

        """,
        "incident": """
        <h1>Incident report: campaign {{id}}, {{name}}</h1>
        <p>Download: <a href="/campaigns/{{id}}/incident/markdown" id="download-markdown">Markdown</a> ·
        <a href="/campaigns/{{id}}/incident/html" id="download-html">HTML</a> ·
        <a href="/campaigns/{{id}}/incident/json" id="download-json">JSON</a> ·
        <a href="/campaigns/{{id}}/incident/csv" id="download-csv">every recipient (CSV)</a> · <a href="/campaigns/{{id}}">back to the campaign</a></p>
        <iframe title="Incident report" id="incident-report" class="tall" sandbox src="/campaigns/{{id}}/incident/view"></iframe>

        """,
        "drill": """
        <h1>Drill</h1>
        <p>Replays the accidents Bulkhead exists for against this configuration, each in a throwaway sandbox (nothing here is touched, nothing leaves the machine): what stops each, and what harm gets through.</p>
        <form method="post" action="/drill"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" id="run-drill">Run the drill</button></form>
        {{#ran}}
        <table id="drill"><thead><tr><th>Story</th><th>Messages that left</th><th>People exposed</th><th>What happened</th><th>Stopped by</th></tr></thead><tbody>
        {{#stories}}<tr{{#harmful}} class="sev-error"{{/harmful}}><td>{{id}}</td><td>{{left}}</td><td>{{exposed}}</td><td>{{title}}{{#note}}<br><small>{{note}}</small>{{/note}}</td><td>{{guardrail}}</td></tr>{{/stories}}
        </tbody></table>
        <p id="drill-summary">{{#harmful}}Harm got through: {{left}} message(s) left, {{exposed}} people exposed.{{/harmful}}{{^harmful}}No harm got through.{{/harmful}}</p>
        {{/ran}}

        """,
        "lists": """
        <h1>Lists</h1>
        <form method="get" action="/subscribers" class="inline"><label>Find a person by address <input name="q" id="search-address" type="search"></label> <button type="submit" id="search">Find</button></form>
        <table id="lists"><thead><tr><th>List</th><th>Confirmed</th><th>Unconfirmed</th><th>Unsubscribed</th><th>Hosted</th><th></th></tr></thead><tbody>
        {{#lists}}<tr><td>{{name}}<br><small>{{description}}</small></td><td>{{confirmed}}</td><td>{{unconfirmed}}</td><td>{{unsubscribed}}</td>
        <td>{{#hosted}}{{address}} — policy {{policy}}{{#emergency}}, <strong>emergency switch on</strong>{{#mayRelease}}
        <form method="post" action="/lists/{{id}}/emergency" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="on" value="0"><button type="submit" id="emergency-off-{{id}}">Turn off</button></form>{{/mayRelease}}{{/emergency}}{{^emergency}}
        <form method="post" action="/lists/{{id}}/emergency" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="on" value="1"><button type="submit" class="danger" id="emergency-on-{{id}}">Emergency: hold every post</button></form>{{/emergency}}{{/hosted}}</td>
        <td>{{#mayImport}}<a href="/lists/{{id}}/import" id="import-{{id}}">Import CSV</a>{{/mayImport}}</td></tr>{{/lists}}
        {{^lists}}<tr><td colspan="6">No lists yet: <code>bulkhead list create NAME</code>.</td></tr>{{/lists}}
        </tbody></table>

        """,
        "subscriberSearch": """
        <h1>Find a person</h1>
        <form method="get" action="/subscribers" class="inline"><label>Address <input name="q" id="search-address" type="search" value="{{q}}"></label> <button type="submit" id="search">Find</button></form>
        {{#result}}<p id="search-result">{{result}}</p>{{/result}}

        """,
        "subscriber": """
        <h1>{{address}}</h1>
        <p>{{name}} · stored since {{created}}</p>
        {{#suppression}}<p class="problem" id="suppressed">Suppressed ({{reason}}) since {{at}}, source {{source}}{{#note}}: {{note}}{{/note}}. Nothing is sent to this address.</p>{{/suppression}}
        <h2>Lists</h2>
        <table id="memberships"><thead><tr><th>List</th><th>Status</th><th>Since</th></tr></thead><tbody>
        {{#memberships}}<tr><td>{{list}}</td><td>{{status}}</td><td>{{updated}}</td></tr>{{/memberships}}
        </tbody></table>
        <h2>Consent history</h2>
        <table id="consent"><thead><tr><th>When</th><th>List</th><th>Consent</th><th>How</th><th>Source</th><th>Channel</th></tr></thead><tbody>
        {{#consent}}<tr><td>{{at}}</td><td>{{list}}</td><td>{{kind}}</td><td>{{method}}</td><td>{{source}}</td><td>{{channel}}</td></tr>{{/consent}}
        </tbody></table>

        """,
        "suppressions": """
        <h1>Suppressions</h1>
        <p>Addresses that get nothing, whatever list or campaign: hard bounces, complaints, unsubscribes from everything, manual entries.</p>
        <table id="suppressions"><thead><tr><th>Address</th><th>Reason</th><th>Since</th><th>Source</th></tr></thead><tbody>
        {{#suppressions}}<tr><td>{{address}}</td><td>{{reason}}</td><td>{{at}}</td><td>{{source}}</td></tr>{{/suppressions}}
        {{^suppressions}}<tr><td colspan="4">No address is suppressed.</td></tr>{{/suppressions}}
        </tbody></table>
        {{#next}}<p><a href="/suppressions?after={{next}}">More</a></p>{{/next}}

        """,
        "importForm": """
        <h1>Import into {{name}}</h1>
        <p>A CSV file with an <code>email</code> column (and optionally <code>name</code>, <code>status</code> and attributes). Rows already there are updated, never duplicated; someone who unsubscribed stays unsubscribed.</p>
        <form id="import-form" class="stack" method="post" action="/lists/{{id}}/import" data-import="/lists/{{id}}/import" data-csrf="{{csrf}}">
        <label>File <input type="file" id="import-file" accept=".csv,text/csv" required></label>
        <label>New members are <select id="import-status"><option value="confirmed">confirmed</option><option value="unconfirmed">unconfirmed</option></select></label>
        <label>Where their consent came from <input id="import-source" required placeholder="sign-up form on shop.example, 2026"></label>
        <button type="submit" id="import-start">Import</button>
        </form>
        <p id="import-problem" class="problem" hidden></p>

        """,
        "importJob": """
        <h1>Import into {{list}}</h1>
        <p>Started by {{by}}. <progress id="import-progress" max="{{size}}" value="{{done}}" data-events="/imports/{{job}}/events"{{^running}} data-finished="1"{{/running}}></progress></p>
        {{#running}}<p id="import-running">Importing… this page shows the report when it is done (reload if it does not).</p>{{/running}}
        {{#failed}}<p class="problem" id="import-failed">The import stopped: {{failed}}</p>{{/failed}}
        {{#report}}
        <p id="import-report">{{rowsRead}} rows read: {{inserted}} inserted, {{updated}} updated, {{duplicates}} duplicates, {{keptUnsubscribed}} kept unsubscribed, {{invalid}} invalid.</p>
        <table id="import-errors"><thead><tr><th>Line</th><th>Problem</th></tr></thead><tbody>
        {{#errors}}<tr><td>{{line}}</td><td>{{problem}}</td></tr>{{/errors}}
        {{^errors}}<tr><td colspan="2">No row was refused.</td></tr>{{/errors}}
        </tbody></table>
        {{/report}}

        """,
        "error": """
        <h1>{{heading}}</h1>
        <p>{{message}}</p>
        <p><a href="/">Back to the overview</a></p>

        """,
    ]
}
