// libFuzzer target: the MIME parser (MIMEParser.parse) and the accessors callers use on its tree.
// Invariants: the limits hold (parts, depth), no decoded leaf is larger than the input, the slice and
// array entry points agree, and every accessor returns (or throws) without trapping.
import BulkheadMail

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// The deepest entity below `root` (root is depth 0), iteratively.
private func depth(of root: MIMEEntity) -> Int {
    var deepest = 0
    var stack: [(MIMEEntity, Int)] = [(root, 0)]
    while let (entity, level) = stack.popLast() {
        deepest = max(deepest, level)
        switch entity.body {
        case .leaf: break
        case .multipart(let parts, _, _): stack.append(contentsOf: parts.map { ($0, level + 1) })
        case .message(let inner): stack.append((inner.value, level + 1))
        }
    }
    return deepest
}

private func exercise(_ message: MIMEEntity, parser: MIMEParser, inputSize: Int) {
    let entities = message.allEntities
    check(entities.count <= parser.limits.maxParts, "\(entities.count) entities over maxParts \(parser.limits.maxParts)")
    let deepest = depth(of: message)
    check(deepest <= min(parser.limits.maxDepth, 128), "depth \(deepest) over maxDepth \(parser.limits.maxDepth)")
    for entity in entities {
        check(entity.headers.count <= parser.limits.maxHeaderFields, "\(entity.headers.count) header fields over the limit")
        if let body = entity.decodedBody {
            check(body.count <= inputSize, "decoded body of \(body.count) octets from \(inputSize) octets of input")
        }
        _ = try? entity.text()
        _ = entity.filename
        _ = entity.contentDisposition
        _ = entity.decodedHeader("Subject")
        _ = entity.decodedHeader("From").flatMap { try? AddressList.parse($0) }
        _ = entity.headers["Message-ID"].map(MessageIDList.parse)
        _ = entity.contentType.mediaType
    }
    _ = message.firstEntity(mediaType: "text/html")
    _ = InboundReport.classify(message)
}

private let standard = MIMEParser()
private let lenient = MIMEParser(base64Policy: .lenient)
private let tight = MIMEParser(
    limits: .init(
        maxMessageBytes: 32 * 1024, maxHeaderLineBytes: 200, maxHeaderFieldBytes: 400, maxHeaderFields: 12,
        maxHeaderSectionBytes: 2_000, maxDepth: 4, maxParts: 16, maxDefectsPerKind: 3),
    base64Policy: .lenient)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let buffer = UnsafeBufferPointer(start: data, count: size)
    let bytes = Array(buffer)
    var strictParsed = false
    if let message = try? standard.parse(buffer) {
        strictParsed = true
        exercise(message, parser: standard, inputSize: size)
        // the array and slice entry points see the same message (offsets count from the slice's start)
        let padded = [0x58] + bytes
        let fromSlice = try? standard.parse(padded[1...])
        check(fromSlice?.allEntities.count == message.allEntities.count, "slice parse differs from buffer parse")
    }
    do {
        let message = try lenient.parse(bytes)
        exercise(message, parser: lenient, inputSize: size)
    } catch {
        // lenient base64 refuses nothing the strict parser accepts
        check(!strictParsed, "lenient parser refuses what the strict one accepts: \(error)")
    }
    if let message = try? tight.parse(bytes) {
        exercise(message, parser: tight, inputSize: size)
    }
    return 0
}
