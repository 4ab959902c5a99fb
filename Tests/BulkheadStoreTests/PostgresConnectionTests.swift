import Foundation
import Testing

@testable import BulkheadStore

@Suite("PostgreSQL connection errors")
struct PostgresConnectionTests {
    @Test func connectingWhereNoServerListensFails() async throws {
        var configuration = PostgresStore.Configuration(host: "127.0.0.1", port: 1, username: "postgres", database: "postgres")
        configuration.maximumConnections = 1
        configuration.startupTimeout = .seconds(2)
        await #expect(throws: StoreError.database("no PostgreSQL session at 127.0.0.1:1 within 2.0 seconds")) {
            let store = try await PostgresStore.connect(configuration)
            await store.close()
        }
    }

    @Test func schemaNamesAreValidated() async throws {
        var configuration = try PostgresStore.Configuration(url: "postgres://postgres@127.0.0.1:1/postgres")
        configuration.schema = "bad-name; DROP"
        await #expect(throws: StoreError.invalidConfiguration(#"schema name "bad-name; DROP" must match [a-z_][a-z0-9_]*"#)) {
            _ = try await PostgresStore.connect(configuration)
        }
    }
}
