import BulkheadStore
import Foundation
import Testing

@Suite struct ListSignUpCommandTests {
    @Test func signUpIsOffUntilTurnedOnAndEveryChangeIsAudited() async throws {
        let directory = try CLIRunner.temporaryDirectory()
        #expect(try CLIRunner.run(["list", "create", "news"], in: directory).status == 0)

        let on = try CLIRunner.run(["list", "sign-up", "news", "--double-opt-in"], in: directory)
        #expect(on.status == 0, "\(on.stderr)")
        #expect(on.stdout == "list news takes sign-ups from the public form at /s/news, each confirmed by its link\n")
        let off = try CLIRunner.run(["list", "sign-up", "news", "--off"], in: directory)
        #expect(off.status == 0, "\(off.stderr)")
        #expect(off.stdout == "list news takes no public sign-ups\n")

        let missing = try CLIRunner.run(["list", "sign-up", "nothing", "--off"], in: directory)
        #expect(missing.status == 1)
        #expect(try CLIRunner.run(["list", "sign-up", "news"], in: directory).status != 0, "the mode is required")

        let store = try SQLiteStore(path: directory.appendingPathComponent(".bulkhead/bulkhead.sqlite").path)
        let list = try #require(try await store.list(named: "news"))
        #expect(try await store.listSignUp(list.id) == .off)
        let events = try await store.auditEvents(AuditQuery(action: "list.sign-up"))
        #expect(events.map { $0.event.details["sign_up"] } == [.string("double-opt-in"), .string("off")])
    }
}
