import Foundation
import Testing

@testable import BulkheadEngine
@testable import BulkheadStore

/// The exact signature header and bodies, and which audit events make which webhook events.
@Suite struct WebhookEventTests {
    static let at = Date(timeIntervalSince1970: 1_800_000_000)

    static func audit(_ action: String, _ kind: String, _ subject: String, _ details: [String: JSONValue]) -> AuditEvent {
        AuditEvent(id: 42, at: at, event: NewAuditEvent(actor: .system, action: action, subjectKind: kind, subjectID: subject, details: details))
    }

    @Test func theSignatureHeaderIsSha256AndTheLowercaseHexHMAC() {
        // Computed independently: python3 -c "import hmac,hashlib; print(hmac.new(b'key', b'{}', hashlib.sha256).hexdigest())"
        #expect(
            WebhookSignature.header(body: Array("{}".utf8), secret: Array("key".utf8))
                == "sha256=a777724d943eb48dc69bca8a4a6d57a04db3f9ec7e1de4e581e860265bdf3032")
        // RFC 4231 test case 2.
        #expect(
            WebhookSignature.header(body: Array("what do ya want for nothing?".utf8), secret: Array("Jefe".utf8))
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func aCampaignTransitionHasThisExactBody() throws {
        let audit = Self.audit("campaign.transition", "campaign", "7", ["from": "sending", "to": "paused", "reason": "operator", "note": "x"])
        let events = WebhookEvent.events(from: audit, campaignName: "spring")
        #expect(events.map(\.name) == [.campaignState])
        #expect(
            String(decoding: try events[0].body(), as: UTF8.self)
                == #"{"at":"2027-01-15T08:00:00Z","data":{"campaign":7,"from":"sending","name":"spring","reason":"operator","state":"paused"},"event":"campaign.state","id":"42-campaign.state"}"#
        )
    }

    @Test func aBrakePauseIsAlsoABrakeEvent() {
        let audit = Self.audit(
            "campaign.transition", "campaign", "7",
            ["from": "sending", "to": "paused", "reason": "brake:complaint", "metric": "complaint", "rate_percent": 0.2, "threshold_percent": 0.1])
        let events = WebhookEvent.events(from: audit)
        #expect(events.map(\.name) == [.campaignState, .brakeTripped])
        #expect(events[1].data == ["campaign": 7, "reason": "brake:complaint", "metric": "complaint", "rate_percent": 0.2, "threshold_percent": 0.1])
        #expect(events[1].deliveryID == "42-brake.tripped")
    }

    @Test func holdsBreakerTripsAndStormsCarryIdsAndCodesOnly() {
        let hold = WebhookEvent.events(from: Self.audit("relay.hold", "relay-message", "9", ["reason": "findings", "codes": ["relay.exposure"]]))
        #expect(hold.map(\.name) == [.relayHeld] && hold[0].data == ["message": 9, "reason": "findings", "codes": ["relay.exposure"]])
        let trip = WebhookEvent.events(from: Self.audit("relay.breaker-trip", "relay-sender", "user:ann", ["message": 9]))
        #expect(trip.map(\.name) == [.relayBreakerTripped] && trip[0].data == ["sender": "user:ann", "message": 9])
        let storm = WebhookEvent.events(
            from: Self.audit("list.storm", "list", "3", ["storm": 1, "blocked_until": "2027-01-15T09:00:00Z"]), listName: "staff")
        #expect(storm[0].data == ["list": 3, "name": "staff", "storm": 1, "blocked_until": "2027-01-15T09:00:00Z"])
        #expect(WebhookEvent.events(from: Self.audit("campaign.create", "campaign", "7", [:])).isEmpty)
    }

    @Test func logLinesShowAURLWithoutItsTokens() {
        #expect(WebhookTarget.display("https://user:pw@hooks.example/x?token=abc") == "https://hooks.example/x")
    }
}
