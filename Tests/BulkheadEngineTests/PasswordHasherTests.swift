import BulkheadEngine
import Foundation
import Testing

@Suite struct PasswordHasherTests {
    @Test func hashesAndChecks() async throws {
        let hasher = PasswordHasher()
        let started = ContinuousClock.now
        let hash = try await hasher.hash("correct horse battery staple")
        let hashed = ContinuousClock.now
        #expect(hash.hasPrefix("$2b$12$") && !hash.contains("correct"))
        #expect(await hasher.verify("correct horse battery staple", hash: hash))
        let verified = ContinuousClock.now
        print("bcrypt cost \(PasswordHasher.defaultCost): hash \(hashed - started), verify \(verified - hashed)")  // measured, never asserted
        #expect(!(await hasher.verify("correct horse battery stapl", hash: hash)))
        #expect(!(await hasher.verify("", hash: hash)))
        #expect(!(await hasher.verify("correct horse battery staple", hash: "not a hash")))
        #expect(try await hasher.hash("correct horse battery staple") != hash, "a fresh salt each time")
    }

    @Test func refusesWhatBcryptWouldTruncate() async throws {
        #expect(throws: PasswordError.empty) { try PasswordHasher.check("") }
        #expect(throws: PasswordError.containsNUL) { try PasswordHasher.check("ab\u{0}cd") }
        #expect(throws: PasswordError.tooLong(bytes: 73)) { try PasswordHasher.check(String(repeating: "x", count: 73)) }
        #expect(throws: PasswordError.tooLong(bytes: 74)) { try PasswordHasher.check(String(repeating: "é", count: 37)) }
        try PasswordHasher.check(String(repeating: "x", count: 72))
        let hasher = PasswordHasher(cost: 4)
        let long = String(repeating: "x", count: 72)
        let hash = try await hasher.hash(long)
        #expect(!(await hasher.verify(long + "y", hash: hash)), "bcrypt would ignore the 73rd byte: refused instead")
        let nul = try await hasher.hash("ab")
        #expect(!(await hasher.verify("ab\u{0}cd", hash: nul)), "bcrypt would stop at the NUL: refused instead")
    }
}
