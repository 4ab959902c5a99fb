import Foundation
import Testing

@testable import BulkheadStore

/// The plan PostgreSQL runs a page of the audience with: right after a large import its statistics
/// say nothing useful, and a plan that collects and sorts the rest of the list for every page made a
/// million-member preflight take 448 s; once analysed, it walked the subscribers' key from the first
/// subscriber for every page (quadratic again). The page must walk a key in order from the page's
/// position and stop at its limit, whatever the statistics: none (never analysed) or fresh.
@Suite("Store: the audience page's plan on PostgreSQL")
struct AudiencePlanTests {
    @Test(arguments: [false, true])
    func aPageWalksAKeyFromItsPositionAndStopsAtItsLimit(analysed: Bool) async throws {
        try await TestDatabase.withStore(.postgres) { store, _ in
            let list = try await store.createList(name: "news", description: "")
            let rows = try (0..<3_000).map { ImportRow(address: try Fixture.address("p\($0)@example.com")) }
            _ = try await store.importSubscribers(
                rows, into: list.id, importID: "plan", consent: ImportConsent(defaultStatus: .confirmed, source: "plan.csv"))
            if analysed { _ = try await store.backend.transaction { tx in try tx.changes(SQLStatement("ANALYZE")) } }
            let campaign = try await store.createCampaign(Fixture.content(list: list.id), actor: .system)
            let page = try Queries.audienceMembers(campaign, after: 1_000, limit: 100, .postgres)
            let plan = try await store.backend.transaction { tx in
                _ = try tx.rows(Queries.audiencePageInMemberOrder)
                return try tx.rows(SQLStatement("EXPLAIN " + page.sql, page.binds)).map { row throws(StoreError) in try row.text("QUERY PLAN") }
            }
            let text = plan.joined(separator: "\n")
            // The first scan in the plan drives the walk: its index condition holds the position.
            let driving = try #require(plan.firstIndex { $0.contains("Index Scan using") }, "\(text)")
            #expect(
                plan[driving...].dropFirst().first { $0.contains("Index Cond") }?.contains("> '1000'::bigint") == true,
                "the walk starts at the position: \(text)")
            #expect(text.contains("Index Scan using memberships_pkey on memberships"), "\(text)")
            for slow in ["Sort", "Bitmap", "Seq Scan", "Hash", "Merge", "Gather", "Materialize"] { #expect(!text.contains(slow), "\(text)") }
            #expect(plan.first?.hasPrefix("Limit") == true, "\(text)")
            // And the pages, read so, are the whole audience in order.
            let first = try await store.audienceMembers(campaign: campaign.id, after: nil, limit: 2_000)
            let next = try #require(first.next)
            let second = try await store.audienceMembers(campaign: campaign.id, after: next, limit: 2_000)
            let ids = (first.members + second.members).map(\.id.rawValue)
            #expect(ids.count == 3_000 && ids == ids.sorted() && second.next == nil)
        }
    }
}
