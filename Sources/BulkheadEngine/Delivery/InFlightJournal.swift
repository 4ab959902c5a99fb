public import BulkheadStore
import Foundation
import Synchronization

/// A worker's append-only record of what it handed to the transport and what came back, written
/// with plain `write(2)` (no fsync) to `<data directory>/journal/<worker>.log` (mode 0600).
///
/// It exists to narrow "uncertain" after a process crash (SIGKILL, OOM kill, a panic): the kernel
/// keeps what a dead process wrote, so recovery can tell the claims that never started (back to
/// `queued`), the ones that got a 250 (`sent`), and the few truly in flight (`uncertain`, at most the
/// concurrency). An OS crash can lose the tail of the file, so the journal names the boot it was
/// written in and is ignored after a reboot: then every held entry is `uncertain`, as without it.
///
/// Lines: a header `bulkhead-journal 1 <machine>`, then `B <entry> <attempt>` before a message goes
/// to the transport and `E <entry> <attempt> <kind> <code> <due-ms>` when its outcome is known
/// (kind `S` sent, `D` deferred, `F` failed, `U` uncertain, `P` handed back unsent).
///
/// ```swift
/// let journal = try InFlightJournal(directory: ".bulkhead/journal", worker: worker)
/// journal.began(entry)
/// journal.ended(entry, .sent(reply))
/// journal.finish()   // all outcomes written to the ledger: the file is removed
/// ```
///
/// On a local file system senders append concurrently without a lock of ours: each line is one
/// `write(2)` on an `O_APPEND` descriptor, which Linux appends whole there, so lines never interleave
/// (a lock around the write made the senders of two threads wait for each other's system call, and
/// sleep, once per message). POSIX does not promise that for every file system (NFS, FUSE, SMB): when
/// the journal file's file system (its mount, looked up in `/proc/self/mountinfo`) is not one known to be local
/// (``appendsWholeLines(fileSystemType:)``), each write takes a lock. ``finish(remove:)`` is called once no sender appends any more.
public final class InFlightJournal: Sendable {
    /// The journal file.
    public let path: String
    private let descriptor: Int32
    /// False when the file system is not known to append each line whole: then ``writeLock`` is taken
    /// around every write.
    public let appendsWithoutLock: Bool
    private let writeLock = Mutex<Void>(())
    /// Set when a line could not be written whole (the file is removed then) or by ``finish(remove:)``:
    /// nothing is appended after that.
    private let stopped = Atomic<Bool>(false)
    /// Set by the first ``finish(remove:)``, which closes the descriptor.
    private let closed = Atomic<Bool>(false)

    /// Creates (truncating) the journal of `worker` in `directory` (created 0700 if needed). Its senders
    /// append without a lock when the directory's file system is known to be local; `lockWrites` takes
    /// the lock on any file system.
    public init(directory: String, worker: WorkerIdentity, lockWrites: Bool = false) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        path = Self.path(directory: directory, worker: worker.description)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        descriptor = fd
        appendsWithoutLock = !lockWrites && Self.isOnLocalFileSystem(descriptor: fd)
        append("bulkhead-journal 1 \(WorkerIdentity.machine)\n")
    }

    /// Local Linux file systems on which one `write(2)` to an `O_APPEND` descriptor lands whole at the
    /// end of the file even when several threads write at once (the inode's lock is held across the
    /// write): ext2/3/4, XFS, Btrfs, tmpfs, ramfs, overlayfs (a container's file system), F2FS, ZFS,
    /// bcachefs, JFS and ReiserFS. Any other type (NFS, SMB, FUSE, 9p, Ceph, one not listed) is
    /// written under a lock.
    ///
    /// ```swift
    /// InFlightJournal.appendsWholeLines(fileSystemType: "ext4")   // true
    /// InFlightJournal.appendsWholeLines(fileSystemType: "nfs4")   // false
    /// ```
    public static func appendsWholeLines(fileSystemType: String) -> Bool {
        ["ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "ramfs", "overlay", "f2fs", "zfs", "bcachefs", "jfs", "reiserfs"]
            .contains(fileSystemType)
    }

    /// Whether the open file `descriptor` is on a file system that appends each line whole: its mount
    /// (`mnt_id` in `/proc/self/fdinfo/FD`) looked up in `/proc/self/mountinfo`. False when either
    /// cannot be read.
    private static func isOnLocalFileSystem(descriptor: Int32) -> Bool {
        guard let fdinfo = FileManager.default.contents(atPath: "/proc/self/fdinfo/\(descriptor)"),
            let mountInfo = FileManager.default.contents(atPath: "/proc/self/mountinfo"),
            let mount = String(decoding: fdinfo, as: UTF8.self).split(separator: "\n").first(where: { $0.hasPrefix("mnt_id:") })
        else { return false }
        let id = mount.dropFirst("mnt_id:".count).trimmingCharacters(in: .whitespaces)
        return fileSystemType(mount: id, mountInfo: String(decoding: mountInfo, as: UTF8.self)).map(appendsWholeLines(fileSystemType:)) == true
    }

    /// The type of the file system of mount `id` (the first field of a `/proc/self/mountinfo` line,
    /// proc(5)), or nil when no line has that id. Going by the mount the open file is on, not by a path
    /// or a device number, no mount hidden under a later one, symlink, bind mount or Btrfs subvolume
    /// (whose files report a device of their own) can mislead it.
    ///
    /// ```swift
    /// InFlightJournal.fileSystemType(mount: "22", mountInfo: "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n")   // "ext4"
    /// ```
    public static func fileSystemType(mount id: some StringProtocol, mountInfo: String) -> String? {
        for line in mountInfo.split(separator: "\n") {
            // id parent major:minor root mount-point options [optional fields…] - type source super-options
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 7, fields[0] == id, let separator = fields.firstIndex(of: "-"), separator >= 6,
                separator + 1 < fields.count
            else { continue }
            return String(fields[separator + 1])
        }
        return nil
    }

    /// The journal file of a worker in `directory`.
    public static func path(directory: String, worker: String) -> String {
        let name = String(
            worker.unicodeScalars.map { scalar -> Character in
                let allowed =
                    ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "." || scalar == "-"
                return allowed ? Character(scalar) : "_"
            })
        return (directory as NSString).appendingPathComponent(name + ".log")
    }

    /// Records that `entry`'s message goes to the transport now.
    public func began(_ entry: LedgerEntry) {
        append("B \(entry.id.rawValue) \(entry.attempts)\n")
    }

    /// Records what became of `entry`'s message.
    public func ended(_ entry: LedgerEntry, _ result: LedgerOutcome.Result) {
        let (kind, reply, due): (String, SMTPReplyRecord?, Date?) =
            switch result {
            case .sent(let reply): ("S", reply, nil)
            case .deferred(let until, let reply): ("D", reply, until)
            case .failed(let reply): ("F", reply, nil)
            case .uncertain(let reply): ("U", reply, nil)
            }
        let dueMilliseconds = due.map { Int64(($0.timeIntervalSince1970 * 1000).rounded(.down)) } ?? 0
        append("E \(entry.id.rawValue) \(entry.attempts) \(kind) \(reply?.code ?? 0) \(dueMilliseconds)\n")
    }

    /// Records that `entry` was handed back unsent (the upstream was down).
    public func handedBack(_ entry: LedgerEntry) {
        append("E \(entry.id.rawValue) \(entry.attempts) P 0 0\n")
    }

    /// Closes the journal (the first call); with `remove` (every outcome is in the ledger) the file is
    /// deleted. Call it after the senders have ended.
    public func finish(remove: Bool = true) {
        stopped.store(true, ordering: .releasing)
        if !closed.exchange(true, ordering: .acquiringAndReleasing) { close(descriptor) }
        if remove { unlink(path) }
    }

    /// Appends one line. A line that cannot be written whole (the disk is full, an I/O error) would
    /// make the journal lie: a `B` line lost is a message that went out but looks never started, and
    /// recovery would queue it again. So the journal is given up at once: the file is removed before
    /// the message goes to the transport, and a crash then leaves every held entry `uncertain`, as
    /// without a journal.
    private func append(_ line: String) {
        guard !stopped.load(ordering: .acquiring) else { return }
        let bytes = Array(line.utf8)
        // One write(2) per line on an O_APPEND descriptor: lines from several senders never interleave
        // (under the lock where the file system does not promise it). A short write is a failure too:
        // finishing the line with a second write could let another sender's line in between.
        let writeLine = { [descriptor] in
            bytes.withUnsafeBytes { buffer in
                while true {
                    let written = write(descriptor, buffer.baseAddress!, buffer.count)
                    if written < 0 && errno == EINTR { continue }
                    return written == buffer.count
                }
            }
        }
        let whole = appendsWithoutLock ? writeLine() : writeLock.withLock { _ in writeLine() }
        guard !whole else { return }
        // Removed before `stopped` is seen: a sender that finds the journal stopped (and so writes no
        // `B` line) knows the file is already gone. Every sender whose write fails removes it.
        unlink(path)
        stopped.store(true, ordering: .releasing)
    }

    /// Reads a dead worker's journal from `directory`: nil when there is none, or it was written in
    /// another boot or on another machine (it may then be incomplete, so it proves nothing).
    public static func evidence(directory: String, worker: String) -> InterruptedRunEvidence? {
        let file = path(directory: directory, worker: worker)
        guard let data = FileManager.default.contents(atPath: file) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst(), !WorkerIdentity.machine.isEmpty,
            header == "bulkhead-journal 1 \(WorkerIdentity.machine)"
        else { return nil }
        var started = Set<EntryAttempt>()
        var finished: [EntryAttempt: LedgerOutcome.Result] = [:]
        var handedBack = Set<EntryAttempt>()
        for line in lines {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let id = Int64(fields[1]), let attempt = Int(fields[2]) else { continue }
            let key = EntryAttempt(id: LedgerEntryID(rawValue: id), attempt: attempt)
            // Read in order: an entry handed back (attempt restored) and claimed again in the same run
            // begins again under the same key; its later `B` line makes it started again.
            if fields[0] == "B" {
                started.insert(key)
                handedBack.remove(key)
                continue
            }
            // The last line may be cut short by the crash: an incomplete one is ignored.
            guard fields[0] == "E", fields.count == 6, let code = Int(fields[4]), let due = Int64(fields[5]) else { continue }
            let reply = SMTPReplyRecord(code: code, text: "recovered from the in-flight journal after a crash")
            switch fields[3] {
            case "S": finished[key] = .sent(reply)
            case "D": finished[key] = .deferred(until: Date(timeIntervalSince1970: Double(due) / 1000), reply)
            case "F": finished[key] = .failed(reply)
            case "U": finished[key] = .uncertain(reply)
            case "P": handedBack.insert(key)
            default: continue
            }
        }
        let outcomes = finished.map { key, result in
            LedgerOutcome(entryID: key.id, attempt: key.attempt, result: result)
        }
        return InterruptedRunEvidence(started: started.subtracting(handedBack), finished: outcomes)
    }

    /// Removes a dead worker's journal once its evidence is recorded.
    public static func remove(directory: String, worker: String) {
        unlink(path(directory: directory, worker: worker))
    }
}
