import Foundation

/// The migration that gives judging a stage: panels, assignments, sheets, scores, comments, the
/// score audit and publication are kept per stage, and `finalist` records which entries went on
/// to a later stage. Rows from before stages belong to the first stage, whose id is `screening`
/// unless a brief names it.
///
/// SQLite cannot change a primary key in place, so each table is rebuilt (new table, copy,
/// drop, rename, indexes again); PostgreSQL alters its tables. Both end with the same columns,
/// keys and index names.
public enum StageMigration {
    /// The migration's name on both engines.
    public static let name = "2026-12-03 judging in stages"

    /// The statements for SQLite.
    public static let sqlite: [String] = ([
        rebuild("panel", "contest TEXT NOT NULL, stage TEXT NOT NULL, judge TEXT NOT NULL REFERENCES judge (handle), added_at TEXT NOT NULL, PRIMARY KEY (contest, stage, judge)",
                columns: "contest, judge, added_at"),
        rebuild("assignment", """
            contest TEXT NOT NULL, stage TEXT NOT NULL, entry_id INTEGER NOT NULL REFERENCES entry (id), judge TEXT NOT NULL REFERENCES judge (handle),
            blind_code TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (entry_id, judge, stage), UNIQUE (contest, blind_code)
            """, columns: "contest, entry_id, judge, blind_code, created_at"),
        "CREATE INDEX assignment_judge ON assignment (judge, blind_code)",
        rebuild("sheet", """
            entry_id INTEGER NOT NULL REFERENCES entry (id), judge TEXT NOT NULL REFERENCES judge (handle), stage TEXT NOT NULL,
            revision INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (entry_id, judge, stage)
            """, columns: "entry_id, judge, revision, updated_at"),
        rebuild("score", """
            contest TEXT NOT NULL, stage TEXT NOT NULL, entry_id INTEGER NOT NULL REFERENCES entry (id), judge TEXT NOT NULL REFERENCES judge (handle),
            criterion TEXT NOT NULL, value INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (entry_id, judge, stage, criterion)
            """, columns: "contest, entry_id, judge, criterion, value, updated_at"),
        "CREATE INDEX score_sheets ON score (contest, stage, entry_id, judge, criterion, value)",
        rebuild("score_comment", """
            entry_id INTEGER NOT NULL REFERENCES entry (id), judge TEXT NOT NULL REFERENCES judge (handle), stage TEXT NOT NULL,
            comment TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (entry_id, judge, stage)
            """, columns: "entry_id, judge, comment, updated_at"),
        rebuild("publication", "contest TEXT NOT NULL, stage TEXT NOT NULL, published_at TEXT NOT NULL, PRIMARY KEY (contest, stage)",
                columns: "contest, published_at"),
        "ALTER TABLE score_audit ADD COLUMN stage TEXT NOT NULL DEFAULT 'screening'",
        finalistTable.replacingOccurrences(of: "BIGINT", with: "INTEGER"),
    ] + submissionTables.map { $0.replacingOccurrences(of: "BIGINT", with: "INTEGER") } + outboxOnce).flatMap { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty } }

    /// The statements for PostgreSQL.
    public static let postgres: [String] = [
        ("panel", "contest, stage, judge"), ("assignment", "entry_id, judge, stage"), ("sheet", "entry_id, judge, stage"),
        ("score", "entry_id, judge, stage, criterion"), ("score_comment", "entry_id, judge, stage"), ("publication", "contest, stage"),
    ].flatMap { table, key in [
        "ALTER TABLE \(table) ADD COLUMN stage TEXT NOT NULL DEFAULT 'screening'",
        "ALTER TABLE \(table) ALTER COLUMN stage DROP DEFAULT",
        "ALTER TABLE \(table) DROP CONSTRAINT \(table)_pkey",
        "ALTER TABLE \(table) ADD PRIMARY KEY (\(key))",
    ] } + [
        "DROP INDEX score_sheets",
        "CREATE INDEX score_sheets ON score (contest, stage, entry_id, judge, criterion, value)",
        "ALTER TABLE score_audit ADD COLUMN stage TEXT NOT NULL DEFAULT 'screening'",
        finalistTable,
    ] + submissionTables + outboxOnce

    /// A finalist's later-stage submission: its extra fields (a JSON object) and its files, kept
    /// beside the entry's own, which they never replace.
    static let submissionTables = [
        """
        CREATE TABLE stage_submission (entry_id BIGINT NOT NULL REFERENCES entry (id), stage TEXT NOT NULL, fields TEXT NOT NULL,
            received_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (entry_id, stage))
        """,
        """
        CREATE TABLE stage_file (entry_id BIGINT NOT NULL REFERENCES entry (id), stage TEXT NOT NULL, position BIGINT NOT NULL,
            name TEXT NOT NULL, bytes BIGINT NOT NULL, sha256 TEXT NOT NULL, kind TEXT NOT NULL, PRIMARY KEY (entry_id, stage, position))
        """,
        "CREATE INDEX stage_file_sha256 ON stage_file (sha256)",
    ]

    /// Shortlist mails, like updates and results, go to an entry once per stage.
    static let outboxOnce = [
        "DROP INDEX outbox_once",
        "CREATE UNIQUE INDEX outbox_once ON outbox (entry_id, kind, detail) WHERE kind IN ('update', 'results', 'shortlisted', 'not_shortlisted')",
    ]

    /// Entries that went on from one stage to the next: `stage` is the stage they entered.
    static let finalistTable = """
        CREATE TABLE finalist (contest TEXT NOT NULL, stage TEXT NOT NULL, entry_id BIGINT NOT NULL REFERENCES entry (id),
            created_at TEXT NOT NULL, PRIMARY KEY (contest, stage, entry_id))
        """

    /// A SQLite table rebuilt with `definition`, keeping its rows (their stage: the first).
    static func rebuild(_ table: String, _ definition: String, columns: String) -> String {
        """
        CREATE TABLE \(table)_staged (\(definition));
        INSERT INTO \(table)_staged (\(columns), stage) SELECT \(columns), 'screening' FROM \(table);
        DROP TABLE \(table);
        ALTER TABLE \(table)_staged RENAME TO \(table)
        """
    }
}
