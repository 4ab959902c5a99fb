/// The DATA phase of one message (RFC 5321 §4.1.1.4, §4.5.2): collects lines until the one line
/// that ends it, a clean `.` between CRLFs, removes dot-stuffing, and watches the message.
///
/// Only a clean `.` line ends DATA. A line with a bare LF or CR, a NUL or too many octets never
/// does (whatever bytes it holds, `<LF>.<LF>` included): it marks the message refused, and the
/// message goes on to the real end. Past the size limit, or once refused, nothing more is stored
/// but lines are still read to the end, so the refusal comes in step with the client.
///
/// ```swift
/// var receiver = SMTPServerDataReceiver(maximumSize: 1_000_000)
/// receiver.lineReceived(SMTPServerLine("..leading dot"))   // false: stored as ".leading dot\r\n"
/// receiver.lineReceived(SMTPServerLine("."))               // true: the end
/// receiver.result                                          // .success(Array(".leading dot\r\n".utf8))
/// ```
struct SMTPServerDataReceiver: Sendable, Hashable {
    /// The largest message kept, in octets (CRLFs included, dot-stuffing removed).
    let maximumSize: Int
    /// The message so far (emptied once the message is refused).
    private(set) var bytes: [UInt8] = []
    /// The message's size so far, also past the limit.
    private(set) var size = 0
    /// The first framing fault (bare LF or CR, NUL, over-long line): the message is refused.
    private(set) var fault: SMTPReply?

    /// A receiver for a message of at most `maximumSize` octets; `expectedSize` (from `SIZE=`)
    /// reserves memory up front, never beyond the limit.
    init(maximumSize: Int, expectedSize: Int? = nil) {
        self.maximumSize = maximumSize
        if let expectedSize { bytes.reserveCapacity(min(expectedSize, maximumSize, 1 << 24)) }
    }

    /// True once the message is too big.
    var isTooBig: Bool { size > maximumSize }

    /// Takes one line; returns true when it is the end of the data.
    mutating func lineReceived(_ line: SMTPServerLine) -> Bool {
        if line.faults.isEmpty && line.bytes == [UInt8(ascii: ".")] { return true }
        if fault == nil, let reply = Self.refusal(for: line.faults) {
            fault = reply
            bytes = []
        }
        let unstuffed = line.bytes.first == UInt8(ascii: ".") ? 1 : 0
        size += line.length - unstuffed + 2
        if fault == nil && !isTooBig {
            bytes += line.bytes.dropFirst(unstuffed)
            bytes += [0x0D, 0x0A]
        } else if !bytes.isEmpty {
            bytes = []
        }
        return false
    }

    /// After the end: the message, or the reply that refuses it (a framing fault first, then size).
    var result: Result<[UInt8], SMTPServerRefusal> {
        if let fault { return .failure(SMTPServerRefusal(reply: fault)) }
        if isTooBig { return .failure(SMTPServerRefusal(reply: SMTPServerReplies.messageTooBig)) }
        return .success(bytes)
    }

    private static func refusal(for faults: SMTPServerLine.Faults) -> SMTPReply? {
        if faults.contains(.bareLF) { return SMTPServerReplies.dataBareLF }
        if faults.contains(.bareCR) { return SMTPServerReplies.dataBareCR }
        if faults.contains(.nul) { return SMTPServerReplies.dataNUL }
        if faults.contains(.tooLong) { return SMTPServerReplies.dataLineTooLong }
        return nil
    }
}

/// A refusal as an error value (the reply to send).
struct SMTPServerRefusal: Error, Sendable, Hashable {
    var reply: SMTPReply
}
