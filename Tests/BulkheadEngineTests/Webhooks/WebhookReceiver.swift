import BulkheadTestSupport
import Foundation

/// A real HTTP receiver for webhook tests: `Fixtures/webhooks/receiver.py` (Python's `http.server`),
/// which checks each request's `X-Bulkhead-Signature` with Python's own `hmac` module and answers 500
/// to the first `failFirst` requests, 204 after them. It stops with ``stop()`` (its stdin closes).
final class WebhookReceiver: @unchecked Sendable {
    struct Request {
        var status: Int
        var path: String
        var signatureOK: Bool
        var signature: String
        var event: String?
        var delivery: String?
        var contentType: String?
        var body: [String: Any]
        var raw: String
    }

    private let process = TestProcess()
    private let input = Pipe()
    private let log: URL
    let port: Int

    init(secret: String, failFirst: Int = 0) throws {
        guard let script = Bundle.module.url(forResource: "receiver", withExtension: "py", subdirectory: "Fixtures/webhooks") else {
            throw PythonPeer.Failure("receiver.py is missing from the test bundle")
        }
        log = FileManager.default.temporaryDirectory.appendingPathComponent("webhook-receiver-\(UUID().uuidString).jsonl")
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [PythonPeer.interpreter, script.path, secret, "\(failFirst)", log.path]
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw PythonPeer.Failure("the webhook receiver exited before it listened") }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw PythonPeer.Failure("the webhook receiver printed no port")
        }
        self.port = port
    }

    /// The URL of `path` on this receiver.
    func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Every request received so far, in order.
    func requests() throws -> [Request] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            return Request(
                status: object["status"] as? Int ?? 0, path: object["path"] as? String ?? "", signatureOK: object["signature_ok"] as? Bool ?? false,
                signature: object["signature"] as? String ?? "", event: object["event"] as? String, delivery: object["delivery"] as? String,
                contentType: object["content_type"] as? String, body: object["body"] as? [String: Any] ?? [:], raw: object["raw"] as? String ?? "")
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }
}
