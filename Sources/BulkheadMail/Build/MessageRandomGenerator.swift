import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// A fast cryptographically secure generator for bulk builds: the ChaCha20 key stream of
/// swift-crypto under a 256-bit key drawn from the system generator, produced 4 KB at a time
/// (each 4 KB under a fresh nonce, so no key stream is ever reused).
///
/// `SystemRandomNumberGenerator` makes one system call per 64-bit value (about 2 µs on a busy
/// virtual machine); a message needs three values (Message-ID and boundaries), which would
/// take most of the time budget of a build. Keep one generator per task or thread and pass it
/// to ``MessageBuilder/build(using:)``; ``MessageBuilder/build()`` uses a shared one.
///
/// ```swift
/// var random = MessageRandomGenerator()
/// for recipient in recipients {
///     let bytes = try message(for: recipient).build(using: &random)
/// }
/// ```
public struct MessageRandomGenerator: RandomNumberGenerator, Sendable {
    private let key: SymmetricKey
    private var nonceCounter: UInt64 = 0
    private var words: [UInt64] = []
    private var index = 0

    /// A generator keyed from the system generator.
    public init() {
        key = SymmetricKey(size: .bits256)
    }

    /// The next random value.
    public mutating func next() -> UInt64 {
        if index == words.count { refill() }
        let word = words[index]
        index += 1
        return word
    }

    private static let zeros = [UInt8](repeating: 0, count: 4096)

    private mutating func refill() {
        nonceCounter &+= 1
        var nonceBytes = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: nonceCounter.littleEndian) { nonceBytes.replaceSubrange(0..<8, with: $0) }
        index = 0
        do {
            let nonce = try Insecure.ChaCha20CTR.Nonce(data: nonceBytes)
            let stream = try Insecure.ChaCha20CTR.encrypt(MessageRandomGenerator.zeros, using: key, nonce: nonce)
            words = stream.withUnsafeBytes { raw in
                (0..<raw.count / 8).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self) }
            }
        } catch {
            // The cipher refused a valid key and nonce: fall back to the system generator.
            var system = SystemRandomNumberGenerator()
            words = (0..<4).map { _ in system.next() }
        }
    }
}

/// The generator behind ``MessageBuilder/build()``: shared, lock-protected, handing each build a
/// few values at once so the lock is taken once per message.
enum SharedMessageRandom {
    static let generator = Mutex(MessageRandomGenerator())

    /// Three values taken under one lock (Message-ID and boundary); more come from the lock again.
    struct Prefetched: RandomNumberGenerator {
        var first: UInt64
        var second: UInt64
        var third: UInt64
        var used = 0

        mutating func next() -> UInt64 {
            used += 1
            switch used {
            case 1: return first
            case 2: return second
            case 3: return third
            default: return SharedMessageRandom.generator.withLock { $0.next() }
            }
        }
    }

    static func prefetch() -> Prefetched {
        generator.withLock { Prefetched(first: $0.next(), second: $0.next(), third: $0.next()) }
    }
}
