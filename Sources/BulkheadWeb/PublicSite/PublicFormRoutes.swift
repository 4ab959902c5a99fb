import BulkheadEngine
import Hummingbird

/// The public pages beside one-click unsubscribe, on the engine's environment: the sign-up form and
/// its confirmation links (``SignUpRoutes``) and the preference page (``PreferenceRoutes``), each with
/// its own per-token limits.
///
/// ```swift
/// PublicFormRoutes(environment: environment).add(to: router)
/// ```
struct PublicFormRoutes: Sendable {
    let environment: BulkheadEnvironment

    /// Requests per token in a sliding minute on the confirmation and preference pages.
    static let requestsPerTokenPerMinute = 10

    func add(to router: Router<WebRequestContext>) {
        let clock = environment.clock
        PreferenceRoutes(preferences: environment.preferences, limits: TokenRateLimits(perMinute: Self.requestsPerTokenPerMinute), clock: clock)
            .add(to: router)
        do {
            let signUp = try environment.publicSignUp()
            SignUpRoutes(signUp: signUp, limits: TokenRateLimits(perMinute: Self.requestsPerTokenPerMinute), clock: clock).add(to: router)
        } catch {
            // `config check` refuses such an identity first; without a From there is nothing to mail the links from.
            environment.logger.error("public sign-up pages are off: identity.from does not parse", metadata: ["error": "\(error)"])
        }
    }
}
