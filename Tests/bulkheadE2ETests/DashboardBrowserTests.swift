import BulkheadStore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 12's proof in a real browser: headless Chromium (Debian's `chromium` and
/// `chromium-driver`, driven by Python's selenium from Fixtures/e2e/dashboard_browser.py) against
/// `bulkhead serve`. Screenshots of every page go to `.build/test-output/dashboard/`.
@Suite("End to end: the dashboard in a browser", .serialized)
struct DashboardBrowserTests {
    static let passwords = ["admin": "admin-pw-1", "ann": "ann-pw-1", "bob": "bob-pw-1"]

    /// Where the screenshots go: the package's `.build/test-output/dashboard/`.
    static var outputFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/test-output/dashboard")
    }

    @Test func authorApproverStopAndHoldInABrowser() async throws {
        let workspace = try await Workspace(.sqlite)
        let output = Self.outputFolder
        try? FileManager.default.removeItem(at: output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let httpPort = try Loopback.freePort()
        let relayPort = try Loopback.freePort()
        let listeners = """
            http:
              listen: ["127.0.0.1:\(httpPort)"]
            relay:
              listen: ["127.0.0.1:\(relayPort)"]

            """
        // Approval from 10 recipients, so the 20-person campaign needs a second person; no undo window,
        // no canary and no typed count, so the browser watches the delivery itself.
        let guardrails = "{undo_seconds: 0, approval_recipients: 10, confirm_recipients: 100000000, canary: {percent: 0}}"
        // A DKIM key from the start: the approval binds to it, and the upstream of phase 2 needs it.
        _ = try await workspace.generateDKIMKey()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.dkim = true
        settings.guardrails = guardrails
        settings.extraYAML = listeners
        try workspace.writeConfiguration(settings)

        // Before any user exists: the people, and the second campaign (to 400) that the browser stops.
        let news = try await workspace.populate(list: "news", count: 20)
        _ = try await workspace.withStore { store in
            let big = try await store.createList(name: "big", description: "")
            let rows = try (0..<400).map { ImportRow(address: try NormalizedAddress("big\($0)@rcpt.e2e.example"), name: "Big \($0)") }
            _ = try await store.importSubscribers(
                rows, into: big.id, importID: "e2e", consent: ImportConsent(defaultStatus: .confirmed, source: "e2e"))
        }
        let second = try await workspace.createCampaign(list: "big", name: "big send")
        for (name, role) in [("admin", "admin"), ("ann", "author"), ("bob", "approver")] {
            let created = try await workspace.start(
                ["user", "create", name, "--role", role, "--password-stdin"] + (name == "admin" ? [] : ["--as", "admin"]),
                input: Self.passwords[name]! + "\n", environment: ["BULKHEAD_PASSWORD": Self.passwords["admin"]!]
            ).finish(timeout: .seconds(60))
            #expect(created.status == 0, "\(created.summary)")
        }
        let approved = try await workspace.start(
            ["campaign", "approve", "\(second)", "--as", "bob"], environment: ["BULKHEAD_PASSWORD": Self.passwords["bob"]!]
        ).finish(timeout: .seconds(60))
        #expect(approved.status == 0, "\(approved.summary)")

        // Phase 1 on the capture mailbox: a newsletter with 12 customers in To is held first.
        var serve = try workspace.start(["serve", "--interval", "0.2"])
        defer { if serve.isRunning { serve.signal(SIGKILL) } }
        try await Loopback.waitForListener(port: httpPort, process: serve)
        try await Loopback.waitForListener(port: relayPort, process: serve)
        let customers = (1...12).map { "customer\($0)@rcpt.e2e.example" }
        let newsletter = workspace.root.appendingPathComponent("newsletter.eml")
        try
            ("From: Mailer <mailer@\(Workspace.fromDomain)>\nTo: " + customers.joined(separator: ",\n ")
            + "\nSubject: Our spring newsletter\nMessage-ID: <spring-1@\(Workspace.fromDomain)>\n\nDear customers,\nspring is here.\n")
            .write(to: newsletter, atomically: true, encoding: .utf8)
        let submitted = try await RelayEndToEndTests.submit(
            workspace, port: relayPort, from: "mailer@\(Workspace.fromDomain)", to: customers, file: newsletter.path)
        #expect(submitted.hasPrefix("250"), "\(submitted)")
        let held = try await workspace.withStore { store in try await store.relayMessages(states: [.held], before: nil, limit: 10) }
        let heldID = try #require(held.first?.id.rawValue)

        let base = "http://127.0.0.1:\(httpPort)"
        let walk = try await Self.browser(workspace, ["walkthrough", base, output.path, "Spring", news[3], "\(heldID)"])
        let campaign = try #require((walk["campaign"] as? NSNumber)?.int64Value)
        #expect(walk["preview_subject"] as? String == "Spring offer for Reader", "\(walk)")
        #expect((walk["preview_html"] as? String)?.contains("Hello Reader, spring is here.") == true, "\(walk)")
        #expect((walk["send_refused"] as? String)?.contains("audience.approval") == true, "\(walk)")
        #expect((walk["approval"] as? String)?.contains("bob") == true, "\(walk)")
        #expect(walk["live_total"] as? Int == 20 && walk["live_sent"] as? Int == 20, "\(walk)")
        #expect((walk["captured_source_start"] as? String)?.isEmpty == false)
        #expect((walk["incident_heading"] as? String)?.contains("Incident") == true, "\(walk)")
        #expect(
            (walk["import_report"] as? String)?.hasPrefix("3002 rows read: 3000 inserted, 0 updated, 0 duplicates, 0 kept unsubscribed, 2 invalid")
                == true, "\(walk)")
        #expect((walk["import_errors"] as? [String])?.count == 2, "\(walk)")
        #expect((walk["subscriber_consent"] as? String)?.contains("e2e test") == true, "\(walk)")
        #expect(walk["drill_rows"] as? Int == 5, "\(walk)")
        #expect(walk["drill_summary"] as? String == "No harm got through.", "\(walk)")
        // What the browser showed is what happened: the ledger and the capture mailbox agree.
        #expect(try await workspace.ledger(campaign).filter { $0.state == .sent }.count == 20)
        try await RelayEndToEndTests.waitUntil(timeout: .seconds(30)) { Self.captured(workspace).count >= 20 + 12 }
        let copies = Self.captured(workspace).filter { $0.contains("Subject: Our spring newsletter") }
        #expect(copies.count == 12, "one copy per customer")
        for copy in copies {
            let to = copy.components(separatedBy: "\r\n").first { $0.hasPrefix("To:") } ?? ""
            #expect(customers.filter { to.contains($0) }.count == 1, "each copy's To names only its recipient: \(to)")
        }
        let approvals = try await workspace.withStore { store in try await store.approvals(campaign: CampaignID(rawValue: campaign)) }
        #expect(approvals.map(\.by) == ["bob"] && approvals.first?.comment == "checked the preview")

        // Phase 2: serve restarts with a slow upstream (50 ms per message); the saved session still works.
        serve.signal(SIGINT)
        _ = try await serve.finish(timeout: .seconds(60))
        let sink = try await RecordingSink(in: workspace.root, delay: .milliseconds(50))
        var slow = SendSettings(upstreamPort: sink.port)
        slow.dkim = true
        slow.concurrency = 2
        slow.batchSize = 2
        slow.maxConnections = 2
        slow.guardrails = guardrails
        slow.extraYAML = listeners
        try workspace.writeConfiguration(slow)
        serve = try workspace.start(["serve", "--interval", "0.2"])
        try await Loopback.waitForListener(port: httpPort, process: serve)
        let stop = try await Self.browser(workspace, ["stop", base, output.path, "\(second)"])
        // The figures, for the note: how long the page took to say "aborted", the counts after.
        print("dashboard stop in the browser: \(stop)")
        #expect(stop["state"] as? String == "aborted", "\(stop)")
        #expect((stop["after_stop"] as? String)?.contains("completed after the stop") == true, "\(stop)")
        let total = try #require(stop["total"] as? Int)
        let shown = try #require(stop["sent_four_seconds_after_stop"] as? Int)
        #expect(shown < total, "stopped before the end: \(stop)")
        try await Task.sleep(for: .seconds(2))
        let ledger = try await workspace.ledger(second)
        let sentNow = ledger.filter { $0.state == .sent }.count
        #expect(sentNow == shown, "the page's count is the ledger's: \(sentNow) vs \(shown)")
        #expect(sink.count() == sentNow, "the sink got exactly what the ledger says")

        // A second run: no console error, no request to another origin, on every page.
        let pages = [
            "/", "/campaigns/\(campaign)", "/campaigns/\(second)", "/campaigns/new", "/approvals", "/holds", "/captured", "/lists",
            "/lists/1/import", "/suppressions", "/drill", "/campaigns/\(campaign)/incident", "/subscribers/1",
        ]
        let clean = try await Self.browser(workspace, ["clean", base, output.path] + pages)
        #expect((clean["console_errors"] as? [String])?.isEmpty == true, "\(clean)")
        #expect((clean["other_origins"] as? [String])?.isEmpty == true, "\(clean)")
        #expect((clean["requests"] as? Int ?? 0) >= pages.count, "\(clean)")

        serve.signal(SIGINT)
        _ = try await serve.finish(timeout: .seconds(60))
        await sink.stop()
        await workspace.discard()
        let screenshots = try FileManager.default.contentsOfDirectory(atPath: output.path).filter { $0.hasSuffix(".png") }
        #expect(screenshots.count >= 15, "\(screenshots.sorted())")
    }

    /// Runs one phase of the browser script; its JSON, or the reason it failed.
    static func browser(_ workspace: Workspace, _ arguments: [String]) async throws -> [String: Any] {
        let child = try ChildProcess(
            name: "dashboard-browser", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [Python.interpreter, try Fixtures.file("dashboard_browser.py").path] + arguments, directory: workspace.root,
            logPrefix: workspace.root.appendingPathComponent("browser-\(arguments[0])").path,
            environment: ["BULKHEAD_ANN_PASSWORD": passwords["ann"]!, "BULKHEAD_BOB_PASSWORD": passwords["bob"]!])
        let result = try await child.finish(timeout: .seconds(300))
        let object = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any]
        guard result.status == 0, let object else { throw E2EError("browser \(arguments[0]): \(result.summary)") }
        return object
    }

    /// The captured messages' bytes as text.
    static func captured(_ workspace: Workspace) -> [String] {
        let folder = workspace.dataDirectory.appendingPathComponent("capture")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".eml") }.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) }
    }
}
