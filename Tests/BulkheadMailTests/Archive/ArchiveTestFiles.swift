import Foundation

/// Temporary files and folders for the archive reader tests, removed when dropped.
final class ArchiveTestDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-archive-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// Writes `bytes` at `relative` (folders made as needed) and returns the full path.
    @discardableResult
    func write(_ bytes: [UInt8], to relative: String) throws -> String {
        let file = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: file)
        return file.path
    }

    /// Makes the folder `relative` and returns its full path.
    @discardableResult
    func folder(_ relative: String) throws -> String {
        let folder = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.path
    }
}

extension String {
    /// The UTF-8 octets.
    var bytes: [UInt8] { Array(utf8) }
}
