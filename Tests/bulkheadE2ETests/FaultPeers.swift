import BulkheadStore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What the fault tests need of the machine: root (to mount a small file system, to give a worker its
/// own host name and PID namespace, to run PostgreSQL as `postgres`) on Linux. A test that lacks it
/// fails with this message; it never skips.
enum RootFacilities {
    static func require(_ what: String) throws {
        #if !os(Linux)
        throw E2EError("\(what) needs Linux")
        #else
        guard getuid() == 0 else { throw E2EError("\(what) needs root (run the suite as root, as scripts/test.sh does in its container)") }
        #endif
    }

    /// Runs `executable arguments` to completion in `directory` (its output in `logs`, by default
    /// `directory`); fails with its output unless it exits 0.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], in directory: URL, logs: URL? = nil, timeout: Duration = .seconds(90)
    ) async throws -> CommandResult {
        let child = try ChildProcess(
            name: ([executable] + arguments).joined(separator: " "), executable: URL(fileURLWithPath: executable), arguments: arguments,
            directory: directory, logPrefix: (logs ?? directory).appendingPathComponent("cmd-\(UUID().uuidString)").path)
        let result = try await child.finish(timeout: timeout)
        guard result.status == 0 else { throw E2EError("\(child.name): \(result.summary)") }
        return result
    }

    /// The first of `candidates` that is an executable file.
    static func tool(_ candidates: [String]) throws -> String {
        guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw E2EError("none of \(candidates) is installed")
        }
        return path
    }
}

/// A PostgreSQL server of one test's own — `initdb` into a temporary folder, a free loopback port, its
/// socket in that folder, run as `postgres` — the way scripts/test-deps/postgres.sh starts the suite's
/// shared one, so that stopping it hard (`pg_ctl -m immediate stop`) leaves the other tests alone.
final class ThrowawayPostgres: @unchecked Sendable {
    let directory: URL
    let port: Int
    private let bin: String

    /// The server's `postgres` database (a workspace creates its own database on it).
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres" }

    init() async throws {
        try RootFacilities.require("a throwaway PostgreSQL server")
        if let configured = ProcessInfo.processInfo.environment["BULKHEAD_PG_BIN"], !configured.isEmpty {
            bin = configured
        } else {
            let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
                .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
            guard let newest = versions.last(where: { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }) else {
                throw E2EError("initdb not found under /usr/lib/postgresql (source scripts/test-deps/postgres.sh installs Debian's postgresql)")
            }
            bin = "/usr/lib/postgresql/\(newest)/bin"
        }
        guard getpwnam("postgres") != nil else {
            throw E2EError("no `postgres` user (PostgreSQL refuses to run as root; scripts/test-deps/postgres.sh creates it)")
        }
        directory = URL(fileURLWithPath: "/tmp/bulkhead-fault-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o755, .ownerAccountName: "postgres"], ofItemAtPath: directory.path)
        port = try Loopback.freePort()
        try await asPostgres("initdb", ["-D", directory.appendingPathComponent("data").path, "-A", "trust", "-U", "postgres", "--no-sync"])
        try await start()
    }

    /// Starts the server (again) on the same port and data; returns once it accepts connections.
    func start() async throws {
        try await asPostgres(
            "pg_ctl",
            [
                "-D", directory.appendingPathComponent("data").path, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60",
                "-o", "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start",
            ])
    }

    /// `pg_ctl -m immediate stop`: every backend is killed at once, no checkpoint (crash recovery on the next start).
    func stopImmediately() async throws {
        try await asPostgres("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "stop"])
    }

    /// Stops the server (whatever its state) and removes its folder.
    func discard() async {
        _ = try? await asPostgres("pg_ctl", ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log so far (for failure messages).
    var log: String { (try? String(contentsOfFile: directory.appendingPathComponent("server.log").path, encoding: .utf8)) ?? "" }

    @discardableResult
    private func asPostgres(_ tool: String, _ arguments: [String]) async throws -> CommandResult {
        // runuser from `/`: postgres may not read the test's working directory.
        try await RootFacilities.run(
            try RootFacilities.tool(["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]),
            ["-u", "postgres", "--", "\(bin)/\(tool)"] + arguments, in: URL(fileURLWithPath: "/"), logs: directory)
    }
}
