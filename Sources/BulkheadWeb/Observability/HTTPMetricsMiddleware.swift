import BulkheadStore
import Hummingbird
import Metrics

/// Times every request of the listener into `bulkhead_http_request_duration_seconds` with the method,
/// the route's pattern (`/u/{token}`, never the raw path: no token in a label) and the status.
///
/// ```swift
/// router.add(middleware: HTTPMetricsMiddleware(factory: factory, clock: SystemClock()))
/// ```
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let factory: any MetricsFactory
    let clock: any BulkheadClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = clock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status, since: started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            record(request, context, status: status, since: started)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, since started: WallTime) {
        let (seconds, attoseconds) = started.duration(to: clock.now).components
        let dimensions = [("method", request.method.rawValue), ("route", context.endpointPath ?? "NotFound"), ("status", "\(status.code)")]
        Timer(label: "bulkhead_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            .recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
