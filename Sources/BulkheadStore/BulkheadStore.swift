// BulkheadStore: the domain store protocol and its two backends (GRDB for SQLite, postgres-nio for
// PostgreSQL). Empty until issue 3 ("Delivery engine") fills it; may import BulkheadMail and BulkheadPolicy.
