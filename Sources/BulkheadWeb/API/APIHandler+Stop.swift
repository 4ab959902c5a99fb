import BulkheadEngine
import BulkheadStore

/// The emergency stop (`bulkhead stop --all` / `--release`).
extension APIHandler {
    func stopAll(_ input: Operations.StopAll.Input) async throws -> Operations.StopAll.Output {
        let actor = APICaller.actor(try APICaller.current())
        guard case .json(let body) = input.body, !body.reason.isEmpty else { throw APIError.badRequest("say why: {\"reason\": \"…\"}") }
        let stopped = try await environment.stopAll(reason: body.reason, actor: actor)
        return .ok(
            .init(
                body: .json(
                    .init(
                        paused: stopped.paused.map(\.rawValue), since: stopped.latch?.setAt ?? environment.clock.date,
                        reason: stopped.latch?.reason ?? body.reason))))
    }

    func releaseStopAll(_ input: Operations.ReleaseStopAll.Input) async throws -> Operations.ReleaseStopAll.Output {
        let actor = APICaller.actor(try APICaller.current())
        let released = try await store.releaseLatch(named: Latch.emergencyStop, actor: actor)
        return .ok(.init(body: .json(.init(released: released))))
    }
}
