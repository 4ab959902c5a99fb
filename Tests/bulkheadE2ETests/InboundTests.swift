import BulkheadStore
import BulkheadTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Issue 10's "what comes back", with the real binary and real clients: `bulkhead serve` runs its
/// inbound SMTP listener and its HTTP listener; real bounce reports (Postfix, OpenSMTPD, Exim,
/// Gmail, from the DSN corpus) arrive by swaks and Python's smtplib at the VERP addresses of a sent
/// campaign, an ARF complaint too, and curl follows one-click unsubscribe links. Then a new campaign
/// to the same list must reach none of those people.
@Suite("End to end: bounces, complaints and unsubscribes coming back", .serialized)
struct InboundEndToEndTests {
    static let recipients = 10

    @Test(arguments: Backend.allCases)
    func whatComesBackIsFiledAndTheNextCampaignLeavesThosePeopleOut(backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let smtpPort = try Loopback.freePort()
        let httpPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = """
            inbound:
              listen: ["127.0.0.1:\(smtpPort)"]
            http:
              listen: ["127.0.0.1:\(httpPort)"]
              requests_per_token_per_minute: 5

            """
        try workspace.writeConfiguration(settings)
        let stopped = try await Self.whileServing(workspace, ["--interval", "0.2"]) { serve in
            try await run(workspace, serve: serve, smtpPort: smtpPort, httpPort: httpPort)
        }
        #expect(stopped.status == 0, "serve stops cleanly on Ctrl-C: \(stopped.summary)")
    }

    private func run(_ workspace: Workspace, serve: ChildProcess, smtpPort: Int, httpPort: Int) async throws {
        let addresses = try await workspace.importThroughCLI(list: "news", count: Self.recipients)
        let first = try await workspace.createCampaign(list: "news")
        try await workspace.bulkhead(["campaign", "send", "\(first)", "--force"])
        try await Loopback.waitForListener(port: smtpPort, process: serve)
        try await Loopback.waitForListener(port: httpPort, process: serve)
        let ledger = try await workspace.ledger(first)
        func token(_ address: String) throws -> String {
            try #require(ledger.first { $0.address.value == address }).verpToken
        }
        /// The VERP return path of the message recipient `index` got.
        func bounceAddress(_ index: Int) throws -> String { "bounces+" + (try token(addresses[index])) + "@" + Workspace.fromDomain }
        let dsn = BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadMailTests/Fixtures/dsn")
        let arf = BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadMailTests/Fixtures/arf")

        // r0: a hard bounce (Postfix, 5.1.1) by swaks, with the null sender as MTAs send them.
        let swaks = try await Self.swaks(
            workspace, port: smtpPort, to: try bounceAddress(0),
            file: dsn.appendingPathComponent("postfix-dsn-failure.eml").path)
        #expect(swaks.status == 0, "\(swaks.summary)")
        // r1: Exim's unknown-user bounce, by smtplib.
        try await Self.submit(workspace, port: smtpPort, to: try bounceAddress(1), file: dsn.appendingPathComponent("exim-unknown-user.eml").path)
        // r2: a delay warning (soft): recorded, not suppressed.
        try await Self.submit(workspace, port: smtpPort, to: try bounceAddress(2), file: dsn.appendingPathComponent("postfix-delay-warning.eml").path)
        // r3: a complaint (ARF).
        try await Self.submit(workspace, port: smtpPort, to: try bounceAddress(3), file: arf.appendingPathComponent("abuse-full-message.eml").path)
        // r4: a person answering the bounce address: kept for a person, nothing else.
        let reply = workspace.root.appendingPathComponent("reply.eml")
        try "From: Reader <\(addresses[4])>\nTo: bounces@e2e.example\nSubject: Re: News\n\nPlease call me.\n".write(
            to: reply, atomically: true, encoding: .utf8)
        try await Self.submit(workspace, port: smtpPort, to: try bounceAddress(4), file: reply.path)
        // Never an open relay.
        let relay = try await Self.swaks(workspace, port: smtpPort, to: "someone@elsewhere.example", file: reply.path)
        #expect(relay.status != 0 && relay.stdout.contains("550 5.7.1"), "\(relay.summary)")

        // r5: one-click unsubscribe with curl, its link taken from the message r5 got.
        let link = try Self.unsubscribeLink(workspace, recipient: addresses[5])
        let local = link.replacingOccurrences(of: "https://\(Workspace.fromDomain)", with: "http://127.0.0.1:\(httpPort)")
        #expect(try await Self.curl(workspace, ["-X", "GET", local]) == "200", "GET shows the button")
        #expect(try await Self.curl(workspace, ["-X", "POST", "-d", "List-Unsubscribe=One-Click", local]) == "200")
        #expect(try await Self.curl(workspace, ["-X", "POST", "-d", "List-Unsubscribe=One-Click", local + "x"]) == "404")
        // r7: the way RFC 8058 asks providers to POST: multipart/form-data (curl -F).
        let provider = try Self.unsubscribeLink(workspace, recipient: addresses[7])
            .replacingOccurrences(of: "https://\(Workspace.fromDomain)", with: "http://127.0.0.1:\(httpPort)")
        #expect(try await Self.curl(workspace, ["-F", "List-Unsubscribe=One-Click", provider]) == "200")
        // r8: mail to its unsubscribe+TOKEN address whose MIME cannot be read: the envelope decides.
        let mailto = try Self.unsubscribeLink(workspace, recipient: addresses[8], scheme: "mailto:")
        let broken = workspace.root.appendingPathComponent("broken.eml")
        try "Subject: unsubscribe\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\nno boundary here\n".write(
            to: broken, atomically: true, encoding: .utf8)
        try await Self.submit(workspace, port: smtpPort, to: mailto, file: broken.path)
        // r4's unsubscribe address with its token altered (a letter put in front): nobody is unsubscribed, the mail is kept.
        let r4Address = try Self.unsubscribeLink(workspace, recipient: addresses[4], scheme: "mailto:")
        let forged = r4Address.replacingOccurrences(of: "unsubscribe+", with: "unsubscribe+x")
        #expect(forged != r4Address)
        try await Self.submit(workspace, port: smtpPort, to: forged, file: broken.path)
        // r9: a headers-only complaint at abuse@ without Original-Mail-From: the reported Return-Path names r9.
        let fbl = try String(contentsOf: arf.appendingPathComponent("abuse-headers-only.eml"), encoding: .utf8)
            .replacingOccurrences(
                of: "Content-Type: text/rfc822-headers\n\n", with: "Content-Type: text/rfc822-headers\n\nReturn-Path: <\(try bounceAddress(9))>\n")
        let fblFile = workspace.root.appendingPathComponent("fbl.eml")
        try fbl.write(to: fblFile, atomically: true, encoding: .utf8)
        try await Self.submit(workspace, port: smtpPort, to: "abuse@\(Workspace.fromDomain)", file: fblFile.path)
        // r6: a link scanner's GETs unsubscribe nobody.
        let scanned = try Self.unsubscribeLink(workspace, recipient: addresses[6])
            .replacingOccurrences(of: "https://\(Workspace.fromDomain)", with: "http://127.0.0.1:\(httpPort)")
        #expect(try await Self.curl(workspace, [scanned]) == "200")

        // What the store says now.
        try await workspace.withStore { store in
            let bounced = try await store.ledgerEntry(verpToken: try token(addresses[0]))
            #expect(bounced?.bounce?.kind == .hard && bounced?.bounce?.status == "5.1.1", "\(String(describing: bounced?.bounce))")
            #expect(try await store.ledgerEntry(verpToken: try token(addresses[2]))?.bounce == nil, "a delay warning: the MTA still tries")
            let suppressed = try await store.suppressions(after: nil, limit: 100)
            let byAddress = Dictionary(uniqueKeysWithValues: suppressed.map { ($0.address.value, $0.reason) })
            #expect(byAddress[addresses[0]] == .hardBounce && byAddress[addresses[1]] == .hardBounce)
            #expect(byAddress[addresses[3]] == .complaint && byAddress[addresses[9]] == .complaint)
            #expect(byAddress[addresses[2]] == nil && byAddress[addresses[4]] == nil && byAddress[addresses[5]] == nil)
            let people = try await store.subscriber(address: try NormalizedAddress(addresses[5]))
            let consent = try await store.consentRecords(subscriber: try #require(people).id)
            #expect(consent.last?.evidence.kind == .withdrawn && consent.last?.evidence.method == .oneClick)
            let scannedPerson = try #require(try await store.subscriber(address: try NormalizedAddress(addresses[6])))
            #expect(try await store.consentRecords(subscriber: scannedPerson.id).allSatisfy { $0.evidence.kind == .given })
            let forgedFor = try #require(try await store.subscriber(address: try NormalizedAddress(addresses[4])))
            #expect(
                try await store.consentRecords(subscriber: forgedFor.id).allSatisfy { $0.evidence.kind == .given },
                "a forged token unsubscribes nobody")
        }
        // The reply is kept for a person, with its reason and the trace field this hop added.
        let kept = workspace.dataDirectory.appendingPathComponent("inbound/new")
        let files = try FileManager.default.contentsOfDirectory(atPath: kept.path).filter { !$0.hasPrefix(".") }
        #expect(files.count == 2, "the reply and the forged unsubscribe: \(files)")
        var reasons: [String] = []
        for file in files {
            let path = kept.appendingPathComponent(file).path
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600, "kept mail is personal data")
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("X-Bulkhead-Kept: ") && text.contains("\r\nReceived: from remote-mta.example"))
            reasons.append(String(text.prefix { $0 != "\r" }))
        }
        #expect(reasons.contains { $0.contains("unsubscribe token not valid") }, "\(reasons)")

        // The incident report counts the two hard bounces as bounced, not delivered.
        let report = try await workspace.bulkhead(["incident", "report", "\(first)", "--format", "json"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let toWhom = try #require(json["to_whom"] as? [String: Any], "\(report.stdout.prefix(500))")
        #expect(toWhom["bounced"] as? Int == 2 && toWhom["delivered"] as? Int == Self.recipients - 2, "\(toWhom)")

        // The promise: the next campaign to the list reaches none of them.
        let second = try await workspace.createCampaign(list: "news", name: "second")
        try await workspace.bulkhead(["campaign", "send", "\(second)", "--force"])
        let reached = Set(try await workspace.ledger(second).filter { $0.state == .sent }.map(\.address.value))
        let left = [addresses[0], addresses[1], addresses[3], addresses[5], addresses[7], addresses[8], addresses[9]]
        #expect(reached == Set(addresses).subtracting(left), "hard bounces, the complaint and the unsubscribe are left out")
    }

    /// Every report of the DSN corpus (Tests/BulkheadMailTests/Fixtures/dsn: Postfix, OpenSMTPD, Exim,
    /// Gmail, Microsoft), every qmail bounce (Fixtures/qmail), and the bounce kind its worst recipient status means (nil: a success, relay or
    /// delay notice, nothing to record). The classification itself is BulkheadMail's (DSNCorpusTests); this
    /// proves each report, delivered by SMTP, lands on its own ledger entry.
    static let corpus: [(file: String, kind: BounceKind?)] = [
        ("dsn/opensmtpd-delay-expired.eml", .expired),
        ("dsn/opensmtpd-delay-warning.eml", nil),
        ("dsn/opensmtpd-dsn-delay-expired.eml", .expired),
        ("dsn/opensmtpd-dsn-delay-warning.eml", nil),
        ("dsn/opensmtpd-dsn-failure.eml", .hard),
        ("dsn/opensmtpd-dsn-relayed.eml", nil),
        ("dsn/opensmtpd-dsn-success.eml", nil),
        ("dsn/opensmtpd-multi-rcpt-part1.eml", .hard),
        ("dsn/opensmtpd-multi-rcpt-part2.eml", .hard),
        ("dsn/opensmtpd-pipe-failure.eml", .hard),
        ("dsn/opensmtpd-remote-size.eml", .rejectedMessage),
        ("dsn/opensmtpd-remote-unknown.eml", .hard),
        ("dsn/postfix-delay-expired.eml", .expired),
        ("dsn/postfix-delay-warning.eml", nil),
        ("dsn/postfix-dsn-delay-expired.eml", .expired),
        ("dsn/postfix-dsn-delay-warning.eml", nil),
        ("dsn/postfix-dsn-expanded.eml", nil),
        ("dsn/postfix-dsn-failure.eml", .hard),
        ("dsn/postfix-dsn-relayed.eml", nil),
        ("dsn/postfix-dsn-smtp.eml", .hard),
        ("dsn/postfix-dsn-success.eml", nil),
        ("dsn/postfix-error-transport.eml", .hard),
        ("dsn/postfix-loop.eml", .hard),
        ("dsn/postfix-multi-rcpt.eml", .hard),
        ("dsn/postfix-pipe-failure.eml", .hard),
        ("dsn/postfix-size-esmtp.eml", .rejectedMessage),
        ("dsn/postfix-size-remote.eml", .rejectedMessage),
        ("dsn/postfix-unknown-smtp.eml", .hard),
        ("dsn/postfix-unknown.eml", .hard),
        ("dsn/exim-unknown-user.eml", .hard),
        ("dsn/exim-spam-rejected.eml", .rejectedMessage),
        ("dsn/exim-retry-timeout.eml", .expired),
        ("dsn/gmail-dmarc-rejected.eml", .rejectedMessage),
        ("dsn/gmail-over-quota.eml", .soft),
        ("dsn/microsoft-unknown-recipient.eml", .hard),
        ("dsn/microsoft-message-too-big.eml", .rejectedMessage),
        ("dsn/microsoft-message-expired.eml", .expired),
        ("qmail/qmail-remote-unknown.eml", .hard),
        ("qmail/qmail-local-no-mailbox.eml", .hard),
        ("qmail/qmail-remote-spam.eml", .rejectedMessage),
        ("qmail/qmail-queue-expired.eml", .expired),
        ("qmail/qmail-mailbox-full.eml", .soft),
        ("qmail/qmail-bare-reply-code.eml", .hard),
        // The first paragraph names the entry's address (5.3.4, the message), the second another one (5.1.2): only the first counts.
        ("qmail/qmail-two-recipients.eml", .rejectedMessage),
    ]

    @Test(arguments: Backend.allCases)
    func everyReportOfTheCorpusDeliveredBySMTPLandsOnItsOwnEntry(backend: Backend) async throws {
        let workspace = try await Workspace(backend)
        let smtpPort = try Loopback.freePort()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = "inbound:\n  listen: [\"127.0.0.1:\(smtpPort)\"]\n"
        try workspace.writeConfiguration(settings)
        let stopped = try await Self.whileServing(workspace, ["--interval", "0.2"]) { serve in
            // One more person: a qmail bounce naming an address the message was not sent to.
            let addresses = try await workspace.importThroughCLI(list: "news", count: Self.corpus.count + 1)
            let campaign = try await workspace.createCampaign(list: "news")
            try await workspace.bulkhead(["campaign", "send", "\(campaign)", "--force"])
            try await Loopback.waitForListener(port: smtpPort, process: serve)
            let tokens = Dictionary(uniqueKeysWithValues: try await workspace.ledger(campaign).map { ($0.address.value, $0.verpToken) })
            let folder = BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadMailTests/Fixtures")
            for (index, report) in Self.corpus.enumerated() {
                let token = try #require(tokens[addresses[index]])
                try await Self.submit(
                    workspace, port: smtpPort, to: "bounces+\(token)@\(Workspace.fromDomain)",
                    file: try Self.qmailBounce(folder.appendingPathComponent(report.file), about: addresses[index], in: workspace))
            }
            let foreignToken = try #require(tokens[addresses[Self.corpus.count]])
            try await Self.submit(
                workspace, port: smtpPort, to: "bounces+\(foreignToken)@\(Workspace.fromDomain)",
                file: folder.appendingPathComponent("qmail/qmail-remote-unknown.eml").path)
            try await workspace.withStore { store in
                let suppressed = Set(try await store.suppressions(after: nil, limit: 1_000).map(\.address.value))
                for (index, report) in Self.corpus.enumerated() {
                    let token = try #require(tokens[addresses[index]])
                    let entry = try #require(try await store.ledgerEntry(verpToken: token))
                    #expect(entry.bounce?.kind == report.kind, "\(report.file)")
                    if report.file.hasPrefix("qmail/") {
                        #expect(entry.bounce?.diagnostic?.hasPrefix("qmail; ") == true, "\(report.file): \(String(describing: entry.bounce))")
                    }
                    #expect(suppressed.contains(addresses[index]) == (report.kind == .hard), "\(report.file): only hard bounces suppress")
                }
            }
            try await workspace.withStore { store in
                let foreign = try #require(try await store.ledgerEntry(verpToken: foreignToken))
                #expect(foreign.bounce == nil, "a qmail bounce about another address records nothing")
                let suppressed = Set(try await store.suppressions(after: nil, limit: 1_000).map(\.address.value))
                #expect(!suppressed.contains(addresses[Self.corpus.count]))
            }
            let kept = workspace.dataDirectory.appendingPathComponent("inbound/new")
            let files = (try? FileManager.default.contentsOfDirectory(atPath: kept.path))?.filter { !$0.hasPrefix(".") } ?? []
            #expect(files.count == 1, "every report was filed; only the qmail bounce about another address is kept: \(files)")
            let keptText = try String(contentsOfFile: kept.appendingPathComponent(try #require(files.first)).path, encoding: .utf8)
            #expect(keptText.hasPrefix("X-Bulkhead-Kept: qmail bounce that names no address its message was sent to"), "\(keptText.prefix(200))")
        }
        #expect(stopped.status == 0)
    }

    /// Issue 10's proof of "250 only after the message is durable": 20 times (seeded), a report or a
    /// person's reply is submitted, and `serve` is SIGKILLed at a random moment right after the client
    /// got its 250; a new `serve` starts each time. Every acknowledged report is in the store, and
    /// every acknowledged reply in the kept mailbox.
    @Test(arguments: Backend.allCases)
    func aSIGKILLRightAfterThe250LosesNothing(backend: Backend) async throws {
        let rounds = 20
        let workspace = try await Workspace(backend)
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        let smtpPort = try Loopback.freePort()
        settings.extraYAML = "inbound:\n  listen: [\"127.0.0.1:\(smtpPort)\"]\n"
        try workspace.writeConfiguration(settings)
        do {
            let addresses = try await workspace.importThroughCLI(list: "news", count: rounds)
            let campaign = try await workspace.createCampaign(list: "news")
            try await workspace.bulkhead(["campaign", "send", "\(campaign)", "--force"])
            let tokens = Dictionary(uniqueKeysWithValues: try await workspace.ledger(campaign).map { ($0.address.value, $0.verpToken) })
            let dsn = BulkheadBinary.repositoryRoot.appendingPathComponent("Tests/BulkheadMailTests/Fixtures/dsn/postfix-dsn-failure.eml")
            let reply = workspace.root.appendingPathComponent("reply.eml")
            try "From: Reader <reader@rcpt.e2e.example>\nSubject: Re: News\n\nThanks!\n".write(to: reply, atomically: true, encoding: .utf8)
            var generator = SeededGenerator(seed: 10)
            var replies = 0
            for index in 0..<rounds {
                let serve = try workspace.start(["serve", "--interval", "5"])
                try await Loopback.waitForListener(port: smtpPort, process: serve)
                let isReply = Bool.random(using: &generator)
                let token = try #require(tokens[addresses[index]])
                try await Self.submit(
                    workspace, port: smtpPort, to: "bounces+\(token)@\(Workspace.fromDomain)", file: isReply ? reply.path : dsn.path)
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...20, using: &generator)))
                serve.signal(SIGKILL)
                _ = try await serve.wait(timeout: .seconds(10))
                if isReply { replies += 1 }
                let entry = try await workspace.withStore { try await $0.ledgerEntry(verpToken: token) }
                #expect(isReply ? entry?.bounce == nil : entry?.bounce?.kind == .hard, "round \(index)")
            }
            let kept = workspace.dataDirectory.appendingPathComponent("inbound/new").path
            let files = (try? FileManager.default.contentsOfDirectory(atPath: kept))?.filter { !$0.hasPrefix(".") } ?? []
            #expect(files.count == replies, "every acknowledged reply was kept (\(replies) of \(rounds) rounds)")
            let suppressed = try await workspace.withStore { try await $0.suppressions(after: nil, limit: 100) }
            #expect(suppressed.count == rounds - replies, "every acknowledged hard bounce suppressed its address")
            await workspace.discard()
        } catch {
            await workspace.discard()
            throw error
        }
    }

    /// `listener_tls` gives the inbound listener STARTTLS: swaks submits over TLS, and the kept
    /// message's trace field says ESMTPS.
    @Test func theInboundListenerOffersStartTLSWithTheConfiguredCertificate() async throws {
        let workspace = try await Workspace(.sqlite)
        let smtpPort = try Loopback.freePort()
        let listenerTLS = try await workspace.selfSignedListenerTLS()
        var settings = SendSettings(upstreamPort: 0)
        settings.captureOnly = true
        settings.extraYAML = """
            inbound:
              listen: ["127.0.0.1:\(smtpPort)"]
            \(listenerTLS)

            """
        try workspace.writeConfiguration(settings)
        _ = try await Self.whileServing(workspace, ["--interval", "5"]) { serve in
            try await Loopback.waitForListener(port: smtpPort, process: serve)
            let reply = workspace.root.appendingPathComponent("reply.eml")
            try "From: Reader <reader@rcpt.e2e.example>\nSubject: Re: News\n\nThanks!\n".write(to: reply, atomically: true, encoding: .utf8)
            let child = try ChildProcess(
                name: "swaks", executable: URL(fileURLWithPath: "/usr/bin/env"),
                arguments: [
                    "swaks", "--server", "127.0.0.1", "--port", "\(smtpPort)", "--tls", "--from", "reader@rcpt.e2e.example",
                    "--to", "postmaster@\(Workspace.fromDomain)", "--data", "@\(reply.path)", "--helo", "remote-mta.example",
                ],
                directory: workspace.root, logPrefix: workspace.root.appendingPathComponent("swaks-tls").path)
            let result = try await child.finish(timeout: .seconds(60))
            #expect(result.status == 0 && result.stdout.contains("STARTTLS"), "\(result.summary)")
            let kept = workspace.dataDirectory.appendingPathComponent("inbound/new")
            let files = try FileManager.default.contentsOfDirectory(atPath: kept.path).filter { !$0.hasPrefix(".") }
            let text = try String(contentsOfFile: kept.appendingPathComponent(try #require(files.first)).path, encoding: .utf8)
            #expect(text.contains("with ESMTPS;"), "\(text.prefix(300))")
        }
    }

    /// Runs `body` while `bulkhead serve ARGUMENTS` runs in the workspace, then stops it with Ctrl-C and
    /// returns what it printed; when `body` throws, `serve` is killed instead. The workspace is
    /// discarded either way.
    static func whileServing(_ workspace: Workspace, _ arguments: [String], _ body: (ChildProcess) async throws -> Void) async throws
        -> CommandResult
    {
        let serve = try workspace.start(["serve"] + arguments)
        do {
            try await body(serve)
            serve.signal(SIGINT)
            let stopped = try await serve.finish(timeout: .seconds(60))
            await workspace.discard()
            return stopped
        } catch {
            serve.signal(SIGKILL)
            _ = try? await serve.finish(timeout: .seconds(10))
            await workspace.discard()
            throw error
        }
    }

    /// A corpus file ready to submit: a qmail bounce's first recipient paragraph rewritten to name
    /// `address` (a qmail bounce counts only for the address its message went to); any other file as is.
    static func qmailBounce(_ file: URL, about address: String, in workspace: Workspace) throws -> String {
        guard file.path.contains("/qmail/") else { return file.path }
        var text = try String(contentsOf: file, encoding: .utf8)
        let start = try #require(text.range(of: "\n\n<"))
        let end = try #require(text.range(of: ">:\n", range: start.upperBound..<text.endIndex))
        text.replaceSubrange(start.upperBound..<end.lowerBound, with: address)
        let rewritten = workspace.root.appendingPathComponent("rewritten-" + file.lastPathComponent)
        try text.write(to: rewritten, atomically: true, encoding: .utf8)
        return rewritten.path
    }

    static func swaks(_ workspace: Workspace, port: Int, to: String, file: String) async throws -> CommandResult {
        let child = try ChildProcess(
            name: "swaks", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "swaks", "--server", "127.0.0.1", "--port", "\(port)", "--from", "", "--to", to, "--data", "@\(file)", "--helo", "remote-mta.example",
            ],
            directory: workspace.root, logPrefix: workspace.root.appendingPathComponent("swaks-\(UUID().uuidString.prefix(6))").path)
        return try await child.finish(timeout: .seconds(60))
    }

    static func submit(_ workspace: Workspace, port: Int, to: String, file: String) async throws {
        let output = try await Python.run(
            name: "smtp-submit", script: try Fixtures.file("smtp_submit.py"), arguments: ["127.0.0.1", "\(port)", "", to, file],
            in: workspace.root)
        #expect(output.hasPrefix("250"), "\(output)")
    }

    /// The HTTP status curl got.
    static func curl(_ workspace: Workspace, _ arguments: [String]) async throws -> String {
        let child = try ChildProcess(
            name: "curl", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "30"] + arguments,
            directory: workspace.root, logPrefix: workspace.root.appendingPathComponent("curl-\(UUID().uuidString.prefix(6))").path)
        return try await child.finish(timeout: .seconds(60)).stdout
    }

    /// The one-click link of the message `recipient` got (from the capture mailbox): its https URL,
    /// or with `scheme` "mailto:" the address of its mailto link.
    static func unsubscribeLink(_ workspace: Workspace, recipient: String, scheme: String = "https") throws -> String {
        let folder = workspace.dataDirectory.appendingPathComponent("capture")
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".eml") {
            let text = try String(contentsOfFile: folder.appendingPathComponent(name).path, encoding: .utf8)
            guard text.contains("To: <\(recipient)>") || text.contains("To: Reader") && text.contains(recipient) else { continue }
            let prefix = scheme == "mailto:" ? "<mailto:" : "<https://\(Workspace.fromDomain)/u/"
            guard let start = text.range(of: prefix), let end = text[start.upperBound...].firstIndex(of: ">") else { continue }
            return scheme == "mailto:" ? String(text[start.upperBound..<end]) : String(text[text.index(after: start.lowerBound)..<end])
        }
        throw E2EError("no captured message for \(recipient)")
    }
}
