import BulkheadEngine
import BulkheadStore
import Foundation
import Hummingbird
import Synchronization

extension Dashboard {
    /// `GET /lists/:id/import`: the form (a CSV file, the status to give new members, where their
    /// consent came from).
    func importForm(_ call: Call) async throws -> Response {
        guard let list = try await list(call) else { return notFound(call, "such list") }
        return page(
            .ok, title: "Import into \(list.name)", template: "importForm", ["id": list.id.rawValue, "name": list.name], session: call.session)
    }

    /// `POST /lists/:id/import?status=confirmed|unconfirmed&source=TEXT` with the CSV as the body (the
    /// page's script sends the file; `X-CSRF-Token` carries the token): `subscribers import`'s importer
    /// runs in the background; the answer is `{"job": "…"}` and the job's page shows its progress
    /// and, at the end, the per-row error report.
    func startImport(_ call: Call) async throws -> Response {
        guard let list = try await list(call) else { return notFound(call, "such list") }
        let status: MembershipStatus = call.query("status") == "unconfirmed" ? .unconfirmed : .confirmed
        let source = (call.query("source") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !source.isEmpty, source.utf8.count <= 500, !source.utf8.contains(0) else {
            return Self.json(.unprocessableContent, ["error": "say where these people's consent came from (source)"])
        }
        var body = call.body
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        guard !bytes.isEmpty else { return Self.json(.unprocessableContent, ["error": "the file is empty"]) }
        let options = SubscriberImporter.Options(defaultStatus: status, source: source, channel: "dashboard upload by \(call.user.name)")
        let importer = SubscriberImporter(store: store, list: list.id, options: options)
        let job = imports.start(list: list.name, size: bytes.count, by: call.user.name)
        let jobs = imports
        Task {
            do {
                let report = try await importer.importBytes(bytes) { done in jobs.progress(job, done: done) }
                jobs.finish(job, .success(report))
            } catch {
                jobs.finish(job, .failure(error))
            }
        }
        return Self.json(.accepted, ["job": job, "page": "/imports/\(job)"])
    }

    /// `GET /imports/:job`: the job's progress bar (live over `/imports/:job/events`) and its report.
    func importPage(_ call: Call) async throws -> Response {
        guard let id = call.parameter("job"), let job = imports.job(id) else { return notFound(call, "such import") }
        return page(.ok, title: "Import", template: "importJob", Self.values(id, job), session: call.session)
    }

    /// `GET /imports/:job/events`: server-sent `progress` events until the job ends, then `end`.
    func importEvents(_ call: Call) async throws -> Response {
        guard let id = call.parameter("job"), imports.job(id) != nil else { return notFound(call, "such import") }
        let jobs = imports
        let clock = environment.clock
        let headers = Self.eventStreamHeaders
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                while let job = jobs.job(id) {
                    let data = try JSONSerialization.data(withJSONObject: ["done": job.done, "size": job.size, "finished": job.outcome != nil])
                    try await writer.write(ByteBuffer(string: "event: progress\ndata: \(String(decoding: data, as: UTF8.self))\n\n"))
                    if job.outcome != nil {
                        try await writer.write(ByteBuffer(string: "event: end\ndata: {}\n\n"))
                        break
                    }
                    try await clock.sleep(for: .milliseconds(300))
                }
                try await writer.finish(nil)
            })
    }

    private func list(_ call: Call) async throws -> MailingList? {
        guard let id = call.parameter("id").flatMap(Int64.init) else { return nil }
        return try await store.list(id: ListID(rawValue: id))
    }

    private static func values(_ id: String, _ job: ImportJobs.Job) -> [String: Any] {
        var values: [String: Any] = ["job": id, "list": job.list, "size": job.size, "done": job.done, "by": job.by]
        switch job.outcome {
        case .success(let report):
            values["report"] = [
                "rowsRead": report.rowsRead, "inserted": report.inserted, "updated": report.updated, "duplicates": report.duplicates,
                "keptUnsubscribed": report.keptUnsubscribed, "invalid": report.invalid,
                "errors": report.errors.map { ["line": $0.line, "problem": "\($0.problem)"] },
            ]
        case .failure(let error):
            values["failed"] = "\(error)"
        case nil:
            values["running"] = true
        }
        return values
    }

    static func json(_ status: HTTPResponse.Status, _ object: [String: String]) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        DashboardHeaders.apply(&headers)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The dashboard's imports under way and done (in memory: a restart forgets the report, never the
/// imported rows, which are in the store batch by batch). At most `capacity` jobs are kept.
final class ImportJobs: Sendable {
    struct Job: Sendable {
        let list: String
        let size: Int
        let by: String
        var done = 0
        var outcome: Result<SubscriberImportReport, any Error>?
    }

    private let jobs = Mutex<[String: Job]>([:])
    private let order = Mutex<[String]>([])
    private let capacity = 100

    func start(list: String, size: Int, by: String) -> String {
        let id = AccessSecret.make().prefix(16).description
        jobs.withLock { $0[id] = Job(list: list, size: size, by: by) }
        let dropped: [String] = order.withLock { order in
            order.append(id)
            guard order.count > capacity else { return [] }
            let old = Array(order.prefix(order.count - capacity))
            order.removeFirst(old.count)
            return old
        }
        jobs.withLock { jobs in for old in dropped { jobs[old] = nil } }
        return id
    }

    func progress(_ id: String, done: Int) { jobs.withLock { $0[id]?.done = done } }

    func finish(_ id: String, _ outcome: Result<SubscriberImportReport, any Error>) {
        jobs.withLock { jobs in
            jobs[id]?.outcome = outcome
            if let size = jobs[id]?.size { jobs[id]?.done = size }
        }
    }

    func job(_ id: String) -> Job? { jobs.withLock { $0[id] } }
}
