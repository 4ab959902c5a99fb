import Dispatch
import HummingbirdBcrypt

/// Why a password is refused.
public enum PasswordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No password was given.
    case empty
    /// Longer than bcrypt reads (it ignores everything after 72 bytes).
    case tooLong(bytes: Int)
    /// A NUL character (bcrypt would stop reading there).
    case containsNUL

    public var description: String {
        switch self {
        case .empty: "the password is empty"
        case .tooLong(let bytes):
            "the password is \(bytes) bytes long; bcrypt reads at most \(PasswordHasher.maximumBytes) bytes (UTF-8)"
        case .containsNUL: "the password holds a NUL character"
        }
    }
}

/// Hashes and checks passwords with bcrypt (hummingbird-auth's `HummingbirdBcrypt`), off the
/// concurrency pool's threads: a hash or check takes a deliberate fraction of a second.
///
/// ```swift
/// let hasher = PasswordHasher()
/// let hash = try await hasher.hash("correct horse")            // "$2b$12$…"
/// let ok = await hasher.verify("correct horse", hash: hash)   // true
/// ```
public struct PasswordHasher: Sendable {
    /// The default cost (2^12 rounds): about a quarter of a second per check on a current core.
    public static let defaultCost: UInt8 = 12
    /// bcrypt reads at most this many bytes of a password.
    public static let maximumBytes = 72

    /// log2 of the rounds, 4 to 31.
    public let cost: UInt8

    /// A hasher with `cost` (clamped to bcrypt's 4…31).
    public init(cost: UInt8 = defaultCost) {
        self.cost = min(31, max(4, cost))
    }

    /// Throws what is wrong with `password` (empty, over 72 bytes, NUL), or returns.
    public static func check(_ password: String) throws(PasswordError) {
        let bytes = password.utf8
        guard !bytes.isEmpty else { throw .empty }
        guard !bytes.contains(0) else { throw .containsNUL }
        guard bytes.count <= maximumBytes else { throw .tooLong(bytes: bytes.count) }
    }

    /// The bcrypt hash of `password`, which must pass ``check(_:)``.
    public func hash(_ password: String) async throws(PasswordError) -> String {
        try Self.check(password)
        let cost = cost
        return await Self.offPool { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`. A password ``check(_:)`` refuses never matches (bcrypt would
    /// compare only its first 72 bytes, or the bytes before a NUL).
    public func verify(_ password: String, hash: String) async -> Bool {
        guard (try? Self.check(password)) != nil else { return false }
        return await Self.offPool { Bcrypt.verify(password, hash: hash) }
    }

    /// Runs the blocking `work` on a Dispatch thread, so no task of the event loops waits behind it.
    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }
}
