// BulkheadEngine: campaigns, delivery, relay, lists, auto-responder, incidents. Empty until issue 3
// fills it; may import every layer above it (Mail, Policy, Store, SMTP).
