import Foundation
import Testing

/// `bulkhead inspect` on hostile input keeps its memory near what it needs for an empty message:
/// peak resident memory of the child process (``PeakMemory``) against its input size.
///
/// The bound is `peak(empty) + k × input size` with k = 8. Reading the file and parsing it take
/// about 2–3× the input (the file's `Data`, its `[UInt8]` copy, header values and decoded leaves),
/// the part tree and the bounded findings little more; measured peaks were 1.6× (NUL lines) and
/// 2.2× (defective parts) the input above the empty-file peak. 8 leaves room for allocator slack
/// and other platforms and is still far below what per-defect records cost: before the defect and
/// finding caps the first shape needed hundreds of bytes per input byte (2.4 GB for 3 MB).
@Suite struct InspectMemoryTests {
    static let factor = 8

    /// A multipart message of about 3 MB whose four parts each have a header section of three
    /// fields folded over 3,200 lines full of NUL octets (each NUL is a defect, within the limits
    /// on field and section size): about 2.9 million defects.
    static func nulHeaderLines() -> [UInt8] {
        var message = Array("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n".utf8)
        let line = [0x20] + [UInt8](repeating: 0, count: 75) + [0x0A]
        for _ in 0..<4 {
            message += Array("--b\n".utf8)
            for _ in 0..<3 {
                message += Array("X-Nul: a\n".utf8)
                for _ in 0..<3_200 { message += line }
            }
            message += Array("\nbody\n".utf8)
        }
        message += Array("--b--\n".utf8)
        return message
    }

    /// About 2.5 MB in 2,500 small parts, each with a header section of defective lines: 200 lines
    /// of NULs without a colon, invalid field names and NULs in values.
    static func manyDefectiveParts() -> [UInt8] {
        var message = Array("From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n".utf8)
        let part =
            Array("--b\n".utf8)
            + Array(repeating: Array("\0\0\0\n".utf8), count: 200).flatMap { $0 }
            + Array(repeating: Array("Bad Name: x\n".utf8), count: 10).flatMap { $0 }
            + Array(repeating: Array("X: a\0b\0c\n".utf8), count: 5).flatMap { $0 }
            + Array("\nx\n".utf8)
        for _ in 0..<2_500 { message += part }
        message += Array("--b--\n".utf8)
        return message
    }

    @Test(arguments: ["NUL-laden header lines", "many defective parts"])
    func hostileInputStaysNearTheBaseline(shape: String) throws {
        let input = shape == "NUL-laden header lines" ? Self.nulHeaderLines() : Self.manyDefectiveParts()
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let empty = directory.appendingPathComponent("empty.eml")
        try Data().write(to: empty)
        let hostile = directory.appendingPathComponent("hostile.eml")
        try Data(input).write(to: hostile)

        let baseline = try PeakMemory.run(["inspect", empty.path])
        #expect(baseline.status == 0)
        let run = try PeakMemory.run(["inspect", hostile.path])
        let bound = baseline.maxRSS + Self.factor * input.count
        print(
            "inspect memory, \(shape): input \(input.count) bytes, peak \(run.maxRSS) bytes, "
                + "empty-file peak \(baseline.maxRSS) bytes, bound \(bound) bytes "
                + "(\(String(format: "%.2f", Double(run.maxRSS - baseline.maxRSS) / Double(input.count))) bytes per input byte)")
        #expect(run.status == 0)
        #expect(run.maxRSS <= bound, "\(shape): peak \(run.maxRSS) > \(bound)")
        // The defects past the cap are counted, not dropped.
        #expect(run.stdout.contains("warning mime.defect: and "))
    }
}
