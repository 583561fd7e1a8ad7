import Foundation
import GRDB

/// The database schema: named, append-only migrations. Never edit a migration that has
/// shipped; add a new one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("2026-11-27 entries, files, audit") { db in
            try db.create(table: "entry") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("code", .text).notNull().unique()
                t.column("contest", .text).notNull().indexed()
                t.column("title", .text).notNull()
                t.column("summary", .text).notNull()
                t.column("team_name", .text).notNull()
                t.column("members", .text).notNull()
                t.column("contact_email", .text).notNull()
                t.column("country", .text).notNull()
                t.column("link", .text)
                t.column("language", .text).notNull()
                t.column("token_salt", .blob).notNull()
                t.column("token_hash", .blob).notNull()
                t.column("received_at", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.column("withdrawn_at", .text)
                t.column("idempotency_key", .text)
                t.uniqueKey(["contest", "idempotency_key"])
            }
            try db.create(table: "entry_file") { t in
                t.column("entry_id", .integer).notNull().references("entry", onDelete: .cascade)
                t.column("position", .integer).notNull()
                t.column("name", .text).notNull()
                t.column("bytes", .integer).notNull()
                t.column("sha256", .text).notNull().indexed()
                t.column("kind", .text).notNull()
                t.primaryKey(["entry_id", "position"])
            }
            try db.create(table: "entry_change") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("entry_id", .integer).notNull().references("entry").indexed()
                t.column("at", .text).notNull()
                t.column("action", .text).notNull()
                t.column("detail", .text).notNull()
            }
        }
        m.registerMigration("2026-11-27 judges, conflicts, assignments") { db in
            try db.create(table: "judge") { t in
                t.primaryKey("handle", .text)
                t.column("name", .text).notNull()
                t.column("email", .text)
                t.column("organisation", .text)
                t.column("created_at", .text).notNull()
            }
            try db.create(table: "conflict") { t in
                t.column("judge", .text).notNull().references("judge")
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("reason", .text).notNull()
                t.column("created_at", .text).notNull()
                t.primaryKey(["judge", "entry_id"])
            }
            try db.create(table: "assignment") { t in
                t.column("contest", .text).notNull()
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("judge", .text).notNull().references("judge")
                t.column("blind_code", .text).notNull()
                t.column("created_at", .text).notNull()
                t.primaryKey(["entry_id", "judge"])
                t.uniqueKey(["contest", "blind_code"])
            }
        }
        m.registerMigration("2026-11-27 scores, audit, publication") { db in
            try db.create(table: "score") { t in
                t.column("contest", .text).notNull()
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("judge", .text).notNull().references("judge")
                t.column("criterion", .text).notNull()
                t.column("value", .integer).notNull()
                t.column("updated_at", .text).notNull()
                t.primaryKey(["entry_id", "judge", "criterion"])
            }
            try db.create(index: "score_contest", on: "score", columns: ["contest"])
            try db.create(table: "score_comment") { t in
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("judge", .text).notNull().references("judge")
                t.column("comment", .text).notNull()
                t.column("updated_at", .text).notNull()
                t.primaryKey(["entry_id", "judge"])
            }
            try db.create(table: "score_audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .text).notNull()
                t.column("judge", .text).notNull()
                t.column("entry_id", .integer).notNull()
                t.column("field", .text).notNull()      // a criterion id, or "comment"
                t.column("old_value", .text)
                t.column("new_value", .text).notNull()
            }
            try db.create(table: "publication") { t in
                t.primaryKey("contest", .text)
                t.column("published_at", .text).notNull()
            }
        }
        m.registerMigration("2026-11-29 idempotency keys hashed, bound to their request") { db in
            // A key used to be stored as typed and answered any request with the first entry and
            // its token. Keys now live here as SHA-256, with the digest of their request, for 24
            // hours; the old plain keys are forgotten (a day's replays at most are lost).
            try db.create(table: "idempotency") { t in
                t.column("contest", .text).notNull()
                t.column("key_hash", .blob).notNull()
                t.column("request_hash", .blob).notNull()
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("created_at", .text).notNull().indexed()
                t.primaryKey(["contest", "key_hash"])
            }
            try db.execute(sql: "UPDATE entry SET idempotency_key = NULL")
        }
        m.registerMigration("2026-11-30 panels, judges' tokens, sheet revisions, score sources") { db in
            try db.create(table: "panel") { t in
                t.column("contest", .text).notNull()
                t.column("judge", .text).notNull().references("judge")
                t.column("added_at", .text).notNull()
                t.primaryKey(["contest", "judge"])
            }
            try db.create(table: "judge_token") { t in
                t.primaryKey("judge", .text).references("judge")
                t.column("token_hash", .blob).notNull().unique()
                t.column("expires_at", .text)
                t.column("created_at", .text).notNull()
            }
            // One row per judge and entry scored: its revision, so a judge on two devices is told
            // when a sheet changed since it was read (409) instead of overwriting it.
            try db.create(table: "sheet") { t in
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("judge", .text).notNull().references("judge")
                t.column("revision", .integer).notNull()
                t.column("updated_at", .text).notNull()
                t.primaryKey(["entry_id", "judge"])
            }
            try db.execute(sql: """
                INSERT INTO sheet (entry_id, judge, revision, updated_at)
                SELECT entry_id, judge, 1, MAX(at) FROM score_audit GROUP BY entry_id, judge
                """)
            try db.alter(table: "score_audit") { t in t.add(column: "source", .text).notNull().defaults(to: "cli-local") }
            // A score request sent again (a retry, `compe judge sync`) is applied once.
            try db.create(table: "score_request") { t in
                t.column("judge", .text).notNull()
                t.column("key_hash", .blob).notNull()
                t.column("request_hash", .blob).notNull()
                t.column("revision", .integer).notNull()
                t.column("created_at", .text).notNull().indexed()
                t.primaryKey(["judge", "key_hash"])
            }
        }
        m.registerMigration("2026-11-30 a judge's assignments by judge") { db in
            // Every judge API call finds the caller's assignment by judge and blind code (or
            // lists them by judge): without this index each was a scan of every assignment
            // (10,000 assignments: 430 scores/s and a 58 ms queue p99 on the bench).
            try db.create(index: "assignment_judge", on: "assignment", columns: ["judge", "blind_code"])
        }
        m.registerMigration("2026-11-30 a contest's score sheets in order") { db in
            // `compe results` reads every score of a contest by entry and judge: with only an
            // index on contest, SQLite looked up each row and sorted them all in a temporary
            // B-tree (150,000 scores: 0.4 s of a 0.9 s run). This covering index returns them in
            // order; it starts with contest, so it replaces the old one.
            try db.create(index: "score_sheets", on: "score", columns: ["contest", "entry_id", "judge", "criterion", "value"])
            try db.drop(index: "score_contest")
        }
        m.registerMigration("2026-11-30 outbox") { db in
            // Mail to entrants, written in the transaction of the change that causes it and
            // delivered by the server's worker. No message text is kept: it is made at sending
            // time from the entry (the edit link's token is derived, never stored).
            try db.create(table: "outbox") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("message_id", .text).notNull().unique()
                t.column("entry_id", .integer).notNull().references("entry")
                t.column("kind", .text).notNull()
                t.column("detail", .text).notNull().defaults(to: "")
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull()
                t.column("created_at", .text).notNull()
                t.column("next_attempt_at", .text).notNull()
                t.column("last_error", .text)
                t.column("sent_at", .text)
            }
            try db.create(index: "outbox_due", on: "outbox", columns: ["status", "next_attempt_at"])
            // An update or the results are mailed to an entry once, however often they are announced.
            try db.execute(sql: "CREATE UNIQUE INDEX outbox_once ON outbox (entry_id, kind, detail) WHERE kind IN ('update', 'results')")
        }
        m.registerMigration(CountryMigration.name) { db in
            for statement in CountryMigration.statements { try db.execute(sql: statement) }
        }
        m.registerMigration("2026-12-02 mail recipients") { db in
            // One row per address mail went to: how many mails it got on its last day (a cap
            // across kinds, so entries typed with a stranger's address cannot flood it), and,
            // with --confirm-email, whether its owner confirmed it (only its SHA-256 token kept).
            try db.create(table: "mail_recipient") { t in
                t.primaryKey("address", .text)
                t.column("day", .text).notNull()
                t.column("sent", .integer).notNull()
                t.column("confirmed_at", .text)
                t.column("confirm_hash", .blob)
                t.column("confirm_sent_at", .text)
            }
            try db.create(index: "mail_recipient_confirm", on: "mail_recipient", columns: ["confirm_hash"])
        }
        m.registerMigration(StageMigration.name) { db in
            for statement in StageMigration.sqlite { try db.execute(sql: statement) }
        }
        m.registerMigration(SharingMigration.name) { db in
            for statement in SharingMigration.sqlite { try db.execute(sql: statement) }
        }
        m.registerMigration(PartnerDeliveryMigration.name) { db in
            for statement in PartnerDeliveryMigration.sqlite { try db.execute(sql: statement) }
        }
        m.registerMigration(EntryLogMigration.name) { db in
            for statement in EntryLogMigration.sqlite { try db.execute(sql: statement) }
        }
        m.registerMigration(ResumableUploadMigration.name) { db in
            for statement in ResumableUploadMigration.sqlite { try db.execute(sql: statement) }
        }
        m.registerMigration(QuestionMigration.name) { db in
            for statement in QuestionMigration.sqlite { try db.execute(sql: statement) }
        }
        m.registerMigration(AnswerMailMigration.name) { db in
            for statement in AnswerMailMigration.sqlite { try db.execute(sql: statement) }
        }
        return m
    }
}

