import CompeCore
import Foundation

/// What can go wrong in the store. Callers decide what to tell whom (the CLI prints one line,
/// the server answers with a status); the underlying cause is kept, never flattened to text.
public enum StoreError: Error, CustomStringConvertible {
    /// A file-system call failed: what was being done, to which path, and `errno`.
    case fileSystem(FileOperation, path: String, errno: Int32)
    /// The database failed or refused (an `SQLFailure`, the engine's error inside).
    case database(any Error)
    /// A stored value that cannot be read back, such as a timestamp that is not RFC 3339.
    case corrupt(table: String, column: String, value: String)
    /// A judge handle that breaks the rule (lowercase a-z, 0-9, `-`, `_`, up to 32).
    case invalidHandle(String)
    /// A judge handle already registered.
    case judgeExists(String)
    /// No judge with this handle.
    case unknownJudge(String)
    /// Not an entry id such as `E-0007`.
    case invalidEntryCode(String)
    /// No entry with this id.
    case unknownEntry(String)
    /// Scores the contest's criteria refuse.
    case invalidScores([ScoreProblem])
    /// The contest's results are published: its scores are frozen.
    case resultsPublished(contest: String)
    /// A stage before the last is published (its shortlist is out): its scores are frozen.
    case stagePublished(contest: String, stage: String)
    /// The judge is not on the contest's panel.
    case notOnPanel(judge: String, contest: String)
    /// The contest has no panel to assign from.
    case noPanel(contest: String)
    /// The judge's sheet changed since the revision the caller read.
    case staleRevision(current: Int)
    /// An idempotency key reused, within its window, for a different request.
    case idempotencyMismatch
    /// `compe backup` would overwrite a file.
    case backupExists(String)
    /// A referenced upload is missing or does not hold what its name says.
    case damagedUpload(String, reason: String)
    /// Not a backup compe wrote, or a damaged one.
    case notABackup(String)
    /// `compe restore` into a directory that is not empty.
    case notEmpty(String)
    /// No database in the data directory.
    case noDatabase(String)
    /// `compe backup` or `restore` on a store whose database is not a SQLite file (PostgreSQL
    /// has its own tools: pg_dump, base backups and point-in-time recovery).
    case useDatabaseTools(operation: String, location: String)
    /// `compe migrate` into a database that already holds rows.
    case targetNotEmpty(String, table: String)
    /// `compe migrate` found a table it does not know how to order.
    case unknownTable(String)
    /// `compe migrate` read back different rows than it wrote.
    case copyMismatch(table: String)
    /// The data directory is, or lies inside, the published folder.
    case dataInsidePublic(data: String, publicDir: String)
    /// A resumable upload an entry named is unknown, not the client's, unfinished or used already.
    case uploadUnavailable(String)

    /// File-system operations the store performs.
    public enum FileOperation: String, Sendable {
        case create, open, write, sync, rename
    }

    /// Whether the failure is the disk's being full (or over quota), for a file or the database.
    public var isDiskFull: Bool {
        switch self {
        case .fileSystem(_, _, let code): return code == ENOSPC || code == EDQUOT
        case .database(let error): return (error as? SQLFailure)?.kind == .diskFull
        default: return false
        }
    }

    /// Whether the database cannot be reached just now (down, restarting): the request may be
    /// tried again later (503 with Retry-After), and nothing was stored.
    public var isUnavailable: Bool {
        if case .database(let error) = self { return (error as? SQLFailure)?.kind == .unavailable }
        return false
    }

    /// One line in English, for logs and the command line.
    public var description: String {
        switch self {
        case .fileSystem(let op, let path, let code):
            return "cannot \(op.rawValue) \(path): \(String(cString: strerror(code)))"
        case .database(let error):
            return "database error: \(error)"
        case .corrupt(let table, let column, let value):
            return "the database holds a value it cannot read (\(table).\(column) = '\(value)'); run 'sqlite3 compe.sqlite \"PRAGMA integrity_check\"'"
        case .invalidHandle(let handle):
            return "judge handle '\(handle)' must be lowercase a-z, 0-9, '-' or '_' (up to 32)"
        case .judgeExists(let handle):
            return "judge '\(handle)' already exists"
        case .unknownJudge(let handle):
            return "no judge '\(handle)' (see 'compe judges list')"
        case .invalidEntryCode(let code):
            return "'\(code)' is not an entry id such as E-0007"
        case .unknownEntry(let code):
            return "no entry \(code)"
        case .invalidScores(let problems):
            return problems.map(\.description).joined(separator: "; ")
        case .resultsPublished(let contest):
            return "results of \(contest) are published: scores can no longer change"
        case .stagePublished(let contest, let stage):
            return "the shortlist of stage '\(stage)' of \(contest) is published: its scores can no longer change"
        case .notOnPanel(let judge, let contest):
            return "\(judge) is not on the panel of \(contest) (see 'compe panel list \(contest)')"
        case .noPanel(let contest):
            return "\(contest) has no panel yet: add its judges with 'compe panel add \(contest) <handle>…'"
        case .staleRevision(let current):
            return "the score sheet changed since it was read (now revision \(current)); show the entry again and rescore"
        case .idempotencyMismatch:
            return "this Idempotency-Key was used for a different request"
        case .backupExists(let path):
            return "\(path) exists; choose a new file name for the backup"
        case .damagedUpload(let hash, let reason):
            return "upload \(hash) is \(reason): run 'compe fsck' and restore it from an older backup"
        case .notABackup(let reason):
            return "not a usable compe backup: \(reason); nothing was restored"
        case .notEmpty(let path):
            return "\(path) is not empty: restore into a new or empty directory"
        case .noDatabase(let path):
            return "no compe.sqlite in \(path)"
        case .useDatabaseTools(let operation, let location):
            return "compe \(operation) copies a SQLite store; the database \(location) is PostgreSQL: back it up with pg_dump (or base backups with point-in-time recovery), and copy --data's uploads/ and secret.key"
        case .targetNotEmpty(let location, let table):
            return "\(location) already holds data (table \(table) is not empty): migrate into a new, empty database"
        case .unknownTable(let table):
            return "the store has a table this version cannot copy (\(table)); use the compe version that made it"
        case .copyMismatch(let table):
            return "the copy of table \(table) differs from the original; nothing was migrated"
        case .dataInsidePublic(let data, let publicDir):
            return "the data directory \(data) is inside the published folder \(publicDir): the database, secret.key and uploads would be served to anyone; keep --data outside --public/--out"
        case .uploadUnavailable(let id):
            return "no finished upload \(id) of this client that is not used yet"
        }
    }
}
