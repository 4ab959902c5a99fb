import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird

extension Dashboard {
    /// `GET /holds`: held and waiting relay messages and list posts, with their findings.
    func holds(_ call: Call) async throws -> Response {
        let messages = try await store.relayMessages(states: [.held, .waiting], before: nil, limit: 500)
        let mayDecide = DashboardPermission.holdDecision.allows(call.user)
        let rows: [[String: Any]] = messages.map { message in
            [
                "id": message.id.rawValue, "received": Self.when(message.receivedAt), "sender": message.sender.description,
                "subject": message.subject, "recipients": message.recipients.count, "state": message.state.rawValue,
                "reason": message.holdReason?.rawValue ?? (message.state == .waiting ? "bulk undo window" : ""),
                "findings": message.findings.map { ["code": $0.code, "message": $0.message] },
                "held": message.state == .held, "waiting": message.state == .waiting, "mayDecide": mayDecide,
                "csrf": call.session.csrfToken,
            ]
        }
        return page(.ok, title: "Hold queue", template: "holds", ["messages": rows], session: call.session, notice: Self.notice(call))
    }

    private func relayID(_ call: Call) -> RelayMessageID? {
        call.parameter("id").flatMap(Int64.init).map(RelayMessageID.init(rawValue:))
    }

    /// `POST /holds/:id/release` (`form`: original, split or bcc) and `POST /holds/:id/discard`: the
    /// engine's release (as `hold release` and the API: copies that could not be written without the
    /// risk of showing a blind recipient are refused while the message is still held) and discard.
    func decideHold(_ call: Call, release: Bool) async throws -> Response {
        guard let id = relayID(call) else { return notFound(call, "such message") }
        do {
            if release {
                let form: RelayCopyForm
                switch call.form["form"] {
                case "split": form = .split
                case "bcc": form = .bcc
                case "original", nil: form = .original
                default: return try await holdsProblem(call, "Release as sent, as individual copies or as Bcc.")
                }
                _ = try await environment.releaseHeld(id, form: form, actor: call.actor)
            } else {
                _ = try await store.decideRelayMessage(id, .discard, actor: call.actor)
            }
        } catch StoreError.notFound {
            return notFound(call, "such message")
        } catch StoreError.refused(let why) {
            return try await holdsProblem(call, why)
        } catch let refused as ActionRefused {
            return try await holdsProblem(call, refused.reason)
        }
        return Self.redirect("/holds?done=\(release ? "held-released" : "held-discarded")")
    }

    /// `POST /holds/:id/recall`: a bulk message in its undo window goes back to the hold queue.
    func recallHold(_ call: Call) async throws -> Response {
        guard let id = relayID(call) else { return notFound(call, "such message") }
        do {
            _ = try await store.decideRelayMessage(id, .recall, actor: call.actor)
        } catch StoreError.notFound {
            return notFound(call, "such message")
        } catch StoreError.refused(let why) {
            return try await holdsProblem(call, why)
        }
        return Self.redirect("/holds?done=held-recalled")
    }

    private func holdsProblem(_ call: Call, _ problem: String) async throws -> Response {
        page(.conflict, title: "Hold queue", template: "error", ["heading": "Not done", "message": problem], session: call.session)
    }
}
