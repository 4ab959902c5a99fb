import BulkheadMail
import BulkheadPolicy
import Foundation
import Testing

/// The RFC 3834 decision: every reason to stay silent, in the spellings real mail and hostile mail
/// use (case, display names, comments, folded fields), and the messages that do get a reply.
@Suite struct AutoReplyRuleTests {
    static let responder = "support@shop.example"

    static let base = """
        From: Ann Example <ann@example.org>
        To: support@shop.example
        Subject: Where is my order?
        Message-ID: <q.1@example.org>

        """

    /// `base` with `extra` header lines added before the empty line (or `base` replaced by `headers`).
    static func decide(
        adding extra: String = "", headers: String? = nil, envelopeSender: String = "ann@example.org", responder: String = responder,
        aliases: [String] = []
    ) throws -> AutoReplyDecision {
        let text = (headers ?? base) + extra + "\n\nbody\n"
        let parsed = try HeaderSectionParser.parse(Array(text.utf8)).headers
        return AutoReplyRule.decide(headers: parsed, envelopeSender: envelopeSender, responderAddress: responder, aliases: aliases)
    }

    @Test func aPersonsMessageGetsAReplyToTheEnvelopeSender() throws {
        #expect(try Self.decide() == .reply(to: "ann@example.org"))
        #expect(try Self.decide(envelopeSender: "<ann@example.org>") == .reply(to: "ann@example.org"))
        #expect(try Self.decide(envelopeSender: "  <Ann@Example.ORG> ") == .reply(to: "Ann@Example.ORG"))
    }

    @Test func theReplyGoesToTheEnvelopeSenderNotReplyToCcOrFrom() throws {
        let headers = """
            From: Ann Example <ann@example.org>
            Reply-To: someone-else@example.net
            To: support@shop.example
            Cc: boss@example.org, team@example.org
            """
        #expect(try Self.decide(headers: headers, envelopeSender: "ann-returns@mail.example.org") == .reply(to: "ann-returns@mail.example.org"))
    }

    @Test(arguments: ["", "<>", "  <>  ", " "])
    func aNullSenderGetsNothing(sender: String) throws {
        #expect(try Self.decide(envelopeSender: sender) == .skip(.nullSender))
    }

    @Test(arguments: [
        "Auto-Submitted: auto-replied", "Auto-Submitted: auto-generated", "Auto-Submitted: auto-notified", "AUTO-SUBMITTED: Auto-Replied",
        "auto-submitted: AUTO-GENERATED", "Auto-Submitted: auto-replied (vacation); owner-email=\"ann@example.org\"",
        "Auto-Submitted: (a comment first) auto-generated", "Auto-Submitted:\n\tauto-generated", "Auto-Submitted:", "Auto-Submitted: yes",
        "Auto-Submitted: no/yes", "Auto-Submitted: \"no\"", "Auto-Submitted: no\nAuto-Submitted: auto-replied",
    ])
    func automaticMessagesGetNothing(field: String) throws {
        #expect(try Self.decide(adding: field) == .skip(.autoSubmitted))
    }

    @Test(arguments: [
        "Auto-Submitted: no", "Auto-Submitted: No", "AUTO-SUBMITTED: NO", "Auto-Submitted: no (a person wrote it)", "Auto-Submitted: (c) no",
    ])
    func autoSubmittedNoAllowsAReply(field: String) throws {
        #expect(try Self.decide(adding: field) == .reply(to: "ann@example.org"))
    }

    @Test(arguments: [
        "X-Auto-Response-Suppress: All", "X-Auto-Response-Suppress: OOF", "X-Auto-Response-Suppress: AutoReply",
        "x-auto-response-suppress: DR, OOF", "X-Auto-Response-Suppress: RN,\n autoreply", "X-Auto-Response-Suppress: all (everything)",
    ])
    func microsoftsSuppressionIsHonoured(field: String) throws {
        #expect(try Self.decide(adding: field) == .skip(.autoResponseSuppressed))
    }

    @Test(arguments: ["X-Auto-Response-Suppress: DR, RN, NRN", "X-Auto-Response-Suppress: NDR", "X-Auto-Response-Suppress:"])
    func suppressionOfOtherNoticesAllowsAReply(field: String) throws {
        #expect(try Self.decide(adding: field) == .reply(to: "ann@example.org"))
    }

    @Test(arguments: [
        "Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"",
        "content-type: Multipart/Report;\n report-type=disposition-notification; boundary=b",
        "Content-Type: multipart/report (a DSN); report-type=feedback-report; boundary=b",
    ])
    func reportsGetNothing(field: String) throws {
        #expect(try Self.decide(adding: field) == .skip(.report))
    }

    @Test(arguments: [
        "Precedence: bulk", "Precedence: list", "Precedence: junk", "PRECEDENCE: BULK", "precedence: List (from a list)",
        "Precedence:\n junk",
    ])
    func massMailGetsNothing(field: String) throws {
        #expect(try Self.decide(adding: field) == .skip(.precedence))
    }

    @Test(arguments: ["Precedence: first-class", "Precedence: normal", "Precedence:"])
    func otherPrecedencesAllowAReply(field: String) throws {
        #expect(try Self.decide(adding: field) == .reply(to: "ann@example.org"))
    }

    @Test(arguments: [
        "List-Id: Shop news <news.shop.example>", "list-unsubscribe: <mailto:leave@lists.example>", "LIST-POST: NO",
        "List-Help: <mailto:help@lists.example>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click", "Mailing-List: contact help@lists.example",
    ])
    func listMessagesGetNothing(field: String) throws {
        #expect(try Self.decide(adding: field) == .skip(.listMessage))
    }

    @Test(arguments: [
        "MAILER-DAEMON@mx.example.org", "Mailer-Daemon@mx.example.org", "MAILER-DAEMON", "mailer_daemon@example.org",
        "postmaster@example.org", "PostMaster@Example.org", "<postmaster@example.org>", "noreply@example.org", "no-reply@example.org",
        "No_Reply@example.org", "no.reply@example.org", "DoNotReply@example.org", "do-not-reply@example.org", "do_not_reply@example.org",
        "noreply+tracking123@example.org", "billing-noreply@example.org", "calendar-notification-NoReply@example.org",
        "listserv@lists.example.org", "LISTSERV@lists.example.org", "majordomo@lists.example.org", "mailman@lists.example.org",
        "owner-news@lists.example.org", "news-owner@lists.example.org", "news-request@lists.example.org", "News-Request@lists.example.org",
        "bounces@example.org", "bounce@example.org", "bounces+ann=example.org@mail.example.net", "Bounce-12345@mail.example.net",
        "news-bounces@lists.example.org", "news-bounces+ann=example.org@lists.example.org",
    ])
    func roleSendersGetNothing(sender: String) throws {
        #expect(try Self.decide(envelopeSender: sender) == .skip(.roleSender))
    }

    @Test(arguments: [
        "ann@example.org", "noreen@example.org", "owner@example.org", "request@example.org", "replies@example.org", "daemon@example.org",
    ])
    func personsWhoseNamesResembleRolesGetAReply(sender: String) throws {
        #expect(try Self.decide(envelopeSender: sender) == .reply(to: sender))
    }

    @Test(arguments: ["not an address", "ann@", "@example.org", "ann@example.org, eve@example.org", "\"ann\"@"])
    func unreadableSendersGetNothing(sender: String) throws {
        #expect(try Self.decide(envelopeSender: sender) == .skip(.invalidSender))
    }

    @Test(arguments: [
        "To: Support Desk <SUPPORT@SHOP.EXAMPLE>", "To: support@shop.example (the support desk)", "To: \"Shop, Support\" <support@Shop.Example>",
        "To: someone@example.org,\n\tsupport@shop.example", "To: team: a@example.org, support@shop.example;", "Cc: support@shop.example",
        "Bcc: support@shop.example", "Resent-To: support@shop.example", "Resent-Cc: Support <support@shop.example>",
        "Resent-Bcc: support@shop.example", "To: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= <support@shop.example>",
    ])
    func theResponderNamedExplicitlyGetsAReply(field: String) throws {
        let headers = "From: Ann Example <ann@example.org>\n" + field
        #expect(try Self.decide(headers: headers) == .reply(to: "ann@example.org"))
    }

    @Test(arguments: [
        "To: someone@example.org", "To: \"support@shop.example\" <someone@example.org>", "To: support+sales@shop.example",
        "To: support@shop.example.evil.example", "To: support@shop.exampl", "Reply-To: support@shop.example",
        "To: undisclosed-recipients:;", "To: support@shop.example <broken", "X-Original-To: support@shop.example",
        "Delivered-To: support@shop.example", "Subject: support@shop.example",
    ])
    func theResponderNotNamedExplicitlyGetsNothing(field: String) throws {
        let headers = "From: Ann Example <ann@example.org>\n" + field
        #expect(try Self.decide(headers: headers) == .skip(.notExplicitRecipient))
    }

    @Test func aliasesAndInternationalDomainsCount() throws {
        let toAlias = "From: ann@example.org\nTo: Help <HELP@shop.example>"
        #expect(try Self.decide(headers: toAlias, aliases: ["help@shop.example"]) == .reply(to: "ann@example.org"))
        #expect(try Self.decide(headers: toAlias, aliases: ["Help Desk <help@SHOP.example>"]) == .reply(to: "ann@example.org"))
        #expect(try Self.decide(headers: toAlias) == .skip(.notExplicitRecipient))
        let toALabel = "From: ann@example.org\nTo: support@xn--bcher-kva.example"
        #expect(try Self.decide(headers: toALabel, responder: "support@Bücher.example") == .reply(to: "ann@example.org"))
        let toULabel = "From: ann@example.org\nTo: support@BÜCHER.example"
        #expect(try Self.decide(headers: toULabel, responder: "support@xn--bcher-kva.example") == .reply(to: "ann@example.org"))
        #expect(try Self.decide(headers: toALabel, responder: "Shop <support@bücher.example>") == .reply(to: "ann@example.org"))
    }

    @Test(arguments: [
        ("X-Bulkhead-Loop: support@shop.example", "ann@example.org"), ("x-bulkhead-loop: other@elsewhere.example", "ann@example.org"),
        ("", "SUPPORT@shop.example"), ("", "<support@Shop.Example>"), ("Sender: Support <support@shop.example>", "ann@example.org"),
    ])
    func ourOwnMailGetsNothing(field: String, sender: String) throws {
        #expect(try Self.decide(adding: field, envelopeSender: sender) == .skip(.sentByUs))
    }

    @Test func mailFromOurAddressOrAnAliasInFromGetsNothing() throws {
        let fromUs = "From: \"Shop\" <Support@shop.example>\nTo: support@shop.example"
        #expect(try Self.decide(headers: fromUs) == .skip(.sentByUs))
        let fromAlias = "From: help@shop.example (the desk)\nTo: support@shop.example"
        #expect(try Self.decide(headers: fromAlias, aliases: ["help@shop.example"]) == .skip(.sentByUs))
    }

    @Test func theFirstReasonInTheDocumentedOrderIsTheOneGiven() throws {
        let everything = """
            From: support@shop.example
            To: someone@example.org
            Auto-Submitted: auto-replied
            Precedence: bulk
            List-Id: <news.example.org>
            X-Auto-Response-Suppress: All
            Content-Type: multipart/report; report-type=delivery-status; boundary=b
            """
        #expect(try Self.decide(headers: everything, envelopeSender: "") == .skip(.nullSender))
        #expect(try Self.decide(headers: everything, envelopeSender: "mailer-daemon@example.org") == .skip(.sentByUs))
        let notFromUs = everything.replacingOccurrences(of: "From: support@shop.example", with: "From: ann@example.org")
        #expect(try Self.decide(headers: notFromUs, envelopeSender: "mailer-daemon@example.org") == .skip(.autoSubmitted))
        let listAndRole = "From: ann@example.org\nTo: someone@example.org\nList-Id: <news.example.org>"
        #expect(try Self.decide(headers: listAndRole, envelopeSender: "news-bounces@example.org") == .skip(.listMessage))
        #expect(try Self.decide(headers: "From: ann@example.org\nTo: someone@example.org", envelopeSender: "x@") == .skip(.invalidSender))
    }

    @Test func theCodesAreStable() {
        #expect(
            AutoReplySkip.allCases.map(\.code) == [
                "null-sender", "sent-by-us", "auto-submitted", "x-auto-response-suppress", "report", "precedence", "list-message",
                "role-sender", "invalid-sender", "not-explicit-recipient", "unreadable",
            ])
        #expect(AutoReplySkip.allCases.allSatisfy { !$0.description.isEmpty })
    }
}
