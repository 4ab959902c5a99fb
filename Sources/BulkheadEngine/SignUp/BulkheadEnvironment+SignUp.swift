public import BulkheadMail

extension BulkheadEnvironment {
    /// The public sign-up of this installation: mails from `identity.from` through its transport,
    /// links under `identity.unsubscribe_base_url`, signed with the unsubscribe tokens' secret.
    ///
    /// ```swift
    /// let signUp = try environment.publicSignUp()
    /// ```
    public func publicSignUp() throws(AddressParseError) -> PublicSignUp {
        PublicSignUp(
            store: store, transport: transport, from: try Mailbox(parsing: configuration.identity.from),
            base: configuration.identity.unsubscribeBaseURL, tokens: SignUpTokenIssuer(sharing: tokens), clock: clock, logger: logger)
    }

    /// The preference page's service (the unsubscribe tokens of this installation).
    public var preferences: Preferences {
        Preferences(store: store, tokens: tokens, logger: logger)
    }
}
