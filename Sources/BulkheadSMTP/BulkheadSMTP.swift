// BulkheadSMTP: SwiftNIO SMTP client and server, protocol sessions as pure state machines behind thin
// handlers. Empty until issue 3 fills it; may import BulkheadMail, BulkheadPolicy and BulkheadStore.
