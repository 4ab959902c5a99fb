import BulkheadEngine
import Foundation

/// Where passwords come from: `BULKHEAD_PASSWORD`, a prompt on the terminal without echo, or one line
/// of standard input (`user create --password-stdin`). A password is never printed or logged.
enum PasswordInput {
    /// The most bytes read for one line: far more than a password may hold, so a longer line is an error.
    static let lineLimit = 4096

    /// The password to authenticate `user` with: `BULKHEAD_PASSWORD`, else a prompt when standard input
    /// is a terminal, else exit 1 saying how to give one. `BULKHEAD_TOKEN` is refused: not supported yet.
    static func forAuthentication(of user: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let token = environment["BULKHEAD_TOKEN"], !token.isEmpty {
            throw CLIError.fail(
                "BULKHEAD_TOKEN is set, but API tokens are not supported yet: unset it and give the password in BULKHEAD_PASSWORD or at the prompt",
                code: 1)
        }
        if let password = environment["BULKHEAD_PASSWORD"] { return password }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIError.fail(
                "--as \(user): no password: set BULKHEAD_PASSWORD, or run from a terminal to be asked", code: 1)
        }
        return try prompt("password for \(user): ")
    }

    /// One line of standard input (a terminal: asked without echo), checked by
    /// ``PasswordHasher/check(_:)``; exit 2 with what is wrong.
    static func newPassword() throws -> String {
        let password =
            isatty(STDIN_FILENO) == 1
            ? try prompt("new password: ")
            : try readLine(from: STDIN_FILENO)
        do {
            try PasswordHasher.check(password)
        } catch {
            throw CLIError.fail("--password-stdin: \(error)", code: 2)
        }
        return password
    }

    /// Asks on stderr and reads a line from the terminal on standard input with echo off (restored
    /// afterwards, also when reading fails).
    private static func prompt(_ question: String) throws -> String {
        FileHandle.standardError.write(Data(question.utf8))
        var saved = termios()
        let canSilence = tcgetattr(STDIN_FILENO, &saved) == 0
        if canSilence {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if canSilence { _ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return try readLine(from: STDIN_FILENO)
    }

    /// Bytes up to the first LF (a CR before it dropped) or the end; exit 2 for a line over
    /// ``lineLimit`` or that is not UTF-8.
    private static func readLine(from descriptor: Int32) throws -> String {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while read(descriptor, &byte, 1) == 1 {
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
            guard line.count <= lineLimit else { throw CLIError.fail("the password line is too long", code: 2) }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        guard let text = String(validating: line, as: UTF8.self) else {
            throw CLIError.fail("the password is not UTF-8 text", code: 2)
        }
        return text
    }
}
