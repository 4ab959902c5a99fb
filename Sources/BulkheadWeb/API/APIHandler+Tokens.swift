import BulkheadStore

/// The caller and API tokens.
extension APIHandler {
    func listTokens(_ input: Operations.ListTokens.Input) async throws -> Operations.ListTokens.Output {
        let grant = try APICaller.current()
        // The admin scope sees every user's tokens; anyone else their own.
        let tokens = try await store.apiTokens(userName: grant.scopes.contains(.admin) ? nil : grant.user.name)
        return .ok(.init(body: .json(tokens.map(Components.Schemas.Token.init))))
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let grant = try APICaller.current()
        let me = Components.Schemas.Me(
            user: grant.user.name, roles: grant.user.roles.sorted().map { Components.Schemas.Role(rawValue: $0.rawValue)! },
            scopes: grant.scopes.sorted().map { Components.Schemas.Scope(rawValue: $0.rawValue)! }, tokenId: grant.token.id)
        return .ok(.init(body: .json(me)))
    }
}
