/// Local parts of the addresses that software sends from: answering them reaches no person, and
/// may answer a responder or a list (RFC 3834 §2: "owner-*", "*-request", "MAILER-DAEMON", etc.).
///
/// Compared without case and without a `+detail` sub-address: `MAILER-DAEMON`, `postmaster`, list
/// robots (`listserv`, `majordomo`, `mailman`), any local part holding `noreply` or `donotreply` once
/// `-`, `_` and `.` are removed (`no-reply`, `No_Reply.Billing`, `do-not-reply`), `owner-*`, `*-owner`,
/// `*-request`, `bounce*` and `*-bounces` (Mailman's, and VERP return paths such as `bounces+x@`).
enum RoleSender {
    private static let names: Set<String> = [
        "mailer-daemon", "mailer_daemon", "mailerdaemon", "postmaster", "listserv", "majordomo", "mailman",
    ]

    /// True when `localPart` is one of them.
    static func matches(localPart: String) -> Bool {
        let lower = localPart.lowercased()
        let base = lower.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? lower
        if names.contains(base) { return true }
        let squeezed = base.filter { $0 != "-" && $0 != "_" && $0 != "." }
        if squeezed.contains("noreply") || squeezed.contains("donotreply") { return true }
        return base.hasPrefix("owner-") || base.hasSuffix("-owner") || base.hasSuffix("-request") || base.hasPrefix("bounce")
            || base.hasSuffix("-bounces")
    }
}
