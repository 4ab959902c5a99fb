import BulkheadPolicy
import BulkheadStore
import Foundation
import Testing

/// The hold queue and the breakers through the real binary: listings compared whole (they are what
/// scripts read), and every decision's refusals.
@Suite struct HoldCommandTests {
    static let exposure = Finding(
        code: "relay.exposure", severity: .approval, message: "12 external recipients can see each other in To/Cc",
        location: "To/Cc", fix: "release as individual copies")

    @Test func theHoldQueueIsListedShownAndDecided() async throws {
        let workspace = try CLIWorkspace()
        #expect(try workspace.run("hold", "list").stdout == "nothing is held\n", "creates the data directory and the store")
        let clock = ManualClock()  // 2027-01-15T08:00:00Z
        let store = try SQLiteStore(
            path: workspace.directory.appendingPathComponent("data/bulkhead.sqlite").path, configuration: SQLiteStore.Configuration(clock: clock))
        let people = (1...12).map { "c\($0)@example.org" }
        let message = Array("From: ann@shop.example\r\nSubject: Spring\r\n\r\nhi\r\n".utf8)
        func file(_ subject: String, _ findings: [Finding], _ disposition: NewRelayMessage.Disposition) async throws -> RelayReceipt {
            try await store.receiveRelayMessage(
                NewRelayMessage(
                    sender: .user("ann"), mailFrom: "ann@shop.example", recipients: people, clientAddress: "127.0.0.1", bytes: message,
                    subject: subject, findings: findings, disposition: disposition),
                breaker: SenderBreakerLimits())
        }
        let held = try await file("Spring", [Self.exposure], .hold)
        clock.advance(by: .seconds(60))
        let waiting = try await file("Bulk", [], .relay(after: clock.date.addingTimeInterval(120)))
        #expect(held.id.rawValue == 1 && waiting.id.rawValue == 2)

        let table = try workspace.run("hold", "list")
        #expect(
            table.stdout == """
                ID  RECEIVED              STATE    REASON    RCPTS  SENDER    FINDINGS        SUBJECT
                2   2027-01-15T08:01:00Z  waiting  -         12     user ann  -               Bulk
                1   2027-01-15T08:00:00Z  held     findings  12     user ann  relay.exposure  Spring

                """, "\(table.stdout)\(table.stderr)")
        let json = try workspace.run("hold", "list", "--json")
        #expect(
            json.stdout == """
                [
                  {
                    "findings" : [

                    ],
                    "id" : 2,
                    "mail_from" : "ann@shop.example",
                    "received_at" : "2027-01-15T08:01:00Z",
                    "recipients" : 12,
                    "relay_after" : "2027-01-15T08:03:00Z",
                    "sender" : "user ann",
                    "state" : "waiting",
                    "subject" : "Bulk"
                  },
                  {
                    "findings" : [
                      "relay.exposure"
                    ],
                    "hold_reason" : "findings",
                    "id" : 1,
                    "mail_from" : "ann@shop.example",
                    "received_at" : "2027-01-15T08:00:00Z",
                    "recipients" : 12,
                    "sender" : "user ann",
                    "state" : "held",
                    "subject" : "Spring"
                  }
                ]

                """, "\(json.stdout)")
        let show = try workspace.run("hold", "show", "1")
        #expect(show.status == 0)
        #expect(show.stdout.hasPrefix("message 1: held (findings)\n  received   2027-01-15T08:00:00Z from 127.0.0.1\n  sender     user ann\n"))
        #expect(
            show.stdout.contains(
                "findings:\n  approval: relay.exposure: 12 external recipients can see each other in To/Cc\n    fix: release as individual copies\n"))
        #expect(show.stdout.contains("recipients (12):\n  c1@example.org  queued\n"))
        #expect(try workspace.run("hold", "show", "1", "--message").stdout == String(decoding: message, as: UTF8.self))
        #expect(try workspace.run("hold", "show", "9").stderr == "bulkhead: no relayed message 9\n")

        let both = try workspace.run("hold", "release", "1", "--split", "--bcc")
        #expect(both.status == 64 && both.stderr.contains("--split and --bcc exclude each other"))
        let released = try workspace.run("hold", "release", "1", "--split")
        #expect(
            released.stdout
                == "released message 1 to 12 recipient(s) as individual copies (To: only that recipient); `bulkhead serve` delivers it\n"
                + "sent unsigned: no configured DKIM key is for shop.example or a parent domain, so DMARC-aligned delivery is not possible\n",
            "\(released.stderr)")
        let again = try workspace.run("hold", "release", "1")
        #expect(again.status == 1 && again.stderr == "bulkhead: relayed message 1 is queued: only a held message can be released\n")
        let discardWaiting = try workspace.run("hold", "discard", "2")
        #expect(
            discardWaiting.status == 1 && discardWaiting.stderr == "bulkhead: relayed message 2 is waiting: only a held message can be discarded\n")
        #expect(
            try workspace.run("hold", "recall", "2").stdout
                == "recalled message 2: held, nothing was sent (bulkhead hold discard 2 to drop it)\n")
        #expect(try workspace.run("hold", "discard", "2").stdout == "discarded message 2: it will not be sent to its 12 recipient(s)\n")
        #expect(try workspace.run("hold", "list").stdout == "nothing is held\n")
        #expect(try workspace.run("hold", "recall", "7").stderr == "bulkhead: no relayed message 7\n")

        #expect(try workspace.run("relay", "breaker", "list").stdout == "no breaker is open\n")
        let notOpen = try workspace.run("relay", "breaker", "close", "ann")
        #expect(notOpen.status == 1 && notOpen.stderr == "bulkhead: the breaker of user ann is not open (bulkhead relay breaker list)\n")
        // The form `list` prints names the kind: a user name may hold an @.
        for (named, shown) in [
            ("user ann@corp.example", "user ann@corp.example"), ("mail-from Reports@Shop.Example", "mail-from reports@shop.example"),
            ("mail-from <>", "mail-from <>"), ("<>", "mail-from <>"), ("reports@shop.example", "mail-from reports@shop.example"),
        ] {
            let closed = try workspace.run("relay", "breaker", "close", named)
            #expect(closed.status == 1 && closed.stderr == "bulkhead: the breaker of \(shown) is not open (bulkhead relay breaker list)\n")
        }
    }
}
