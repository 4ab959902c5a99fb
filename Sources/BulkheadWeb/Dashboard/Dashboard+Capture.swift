import BulkheadEngine
import BulkheadSMTP
import Foundation
import Hummingbird

extension Dashboard {
    /// `GET /captured`: the capture mailbox, newest first, 50 a page.
    func captured(_ call: Call) async throws -> Response {
        let offset = max(0, call.query("offset").flatMap(Int.init) ?? 0)
        let mailbox = CaptureMailbox(directory: environment.captureDirectory)
        // A capture directory not made yet (nothing sent) reads as empty.
        let page = try? mailbox.list(offset: offset, limit: 50)
        let total = page?.total ?? 0
        let rows: [[String: Any]] = (page?.items ?? []).map {
            ["id": $0.id, "at": Self.when($0.capturedAt), "from": $0.mailFrom, "to": $0.recipient]
        }
        let values: [String: Any] = [
            "messages": rows, "total": total, "directory": environment.captureDirectory,
            "more": offset + rows.count < total, "next": offset + rows.count,
        ]
        return self.page(.ok, title: "Captured mail", template: "captured", values, session: call.session)
    }

    /// `GET /captured/:id`: one message as its escaped source (nothing in it runs or loads).
    func capturedMessage(_ call: Call) async throws -> Response {
        guard let id = call.parameter("id") else { return notFound(call, "such message") }
        let message: CapturedMessage
        do {
            message = try CaptureMailbox(directory: environment.captureDirectory).read(id: id)
        } catch {
            return notFound(call, "such captured message")
        }
        // At most 1 MiB of source is shown; the rest is a line saying so.
        let shown = message.bytes.prefix(1 << 20)
        var source = String(decoding: shown, as: UTF8.self)
        if shown.count < message.bytes.count { source += "\n[… \(message.bytes.count - shown.count) more bytes not shown]" }
        let values: [String: Any] = [
            "from": message.info.mailFrom, "to": message.info.recipient, "at": Self.when(message.info.capturedAt), "source": source,
        ]
        return page(.ok, title: "Captured message", template: "capturedMessage", values, session: call.session)
    }
}
