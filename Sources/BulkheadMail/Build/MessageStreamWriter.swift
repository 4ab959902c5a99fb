/// Where a streaming write puts the message bytes, chunk after chunk.
///
/// ```swift
/// struct SocketSink: MessageByteSink {
///     mutating func write(_ bytes: UnsafeRawBufferPointer) throws { /* send(bytes) */ }
/// }
/// ```
public protocol MessageByteSink {
    /// Takes the next chunk of the message; the buffer is only valid during the call.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A byte array collects the whole message (handy in tests).
extension Array: MessageByteSink where Element == UInt8 {
    /// Appends the chunk.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        append(contentsOf: bytes)
    }
}

/// Where a streamed attachment's bytes come from, chunk after chunk (a file, a blob store).
public protocol AttachmentByteSource {
    /// Fills the start of `buffer` with the next bytes and returns how many; 0 means the end.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// An attachment whose body is read from a source while the message is written, base64-encoded
/// on the fly, so a large file is never held in memory whole.
///
/// ```swift
/// let report = StreamedAttachment(filename: "report.csv", mediaType: "text/csv", source: fileSource)
/// ```
public struct StreamedAttachment {
    /// The file name shown to the recipient (RFC 2231 encoding when non-ASCII).
    public var filename: String
    /// The media type, `type/subtype`.
    public var mediaType: String
    /// Where the bytes come from.
    public var source: any AttachmentByteSource
    /// How many bytes to ask the source for at a time.
    public var chunkSize: Int

    /// A streamed attachment read `chunkSize` bytes at a time (at least 3).
    public init(filename: String, mediaType: String, source: any AttachmentByteSource, chunkSize: Int = 48 * 1024) {
        self.filename = filename
        self.mediaType = mediaType
        self.source = source
        self.chunkSize = max(chunkSize, 3)
    }
}

extension MessageBuilder {
    /// Writes the message into `sink` in chunks of about `chunkSize` bytes, with `streamed`
    /// attachments after the in-memory ones, read and base64-encoded chunk by chunk.
    ///
    /// ```swift
    /// var sink: [UInt8] = []    // or any MessageByteSink
    /// var generator = SystemRandomNumberGenerator()
    /// try message.write(to: &sink, streaming: [report], using: &generator)
    /// ```
    public func write(
        to sink: inout some MessageByteSink, streaming streamed: [StreamedAttachment],
        chunkSize: Int = 64 * 1024, using generator: inout some RandomNumberGenerator
    ) throws(MessageBuildError) {
        let tree = try partTree(streamed: streamed)
        var buffer: [UInt8] = []
        let threshold = max(chunkSize, 1)
        buffer.reserveCapacity(threshold + threshold / 2 + 1024)
        try writeMessageHeaders(into: &buffer, using: &generator)
        let stem = try boundaryStem(for: tree, using: &generator)
        var streams = streamed
        try tree.emit(into: &buffer, boundaryStem: stem, sink: &sink, streams: &streams, flushThreshold: threshold)
    }

    /// ``write(to:streaming:chunkSize:using:)`` with the shared generator ``MessageBuilder/build()`` uses.
    public func write(
        to sink: inout some MessageByteSink, streaming streamed: [StreamedAttachment] = [],
        chunkSize: Int = 64 * 1024
    ) throws(MessageBuildError) {
        var generator = SharedMessageRandom.prefetch()
        try write(to: &sink, streaming: streamed, chunkSize: chunkSize, using: &generator)
    }
}
