import CompeCore
import Foundation

extension EntryStore {
    /// Publishes the shortlist that closes `stage` of `contest`, in one transaction: the stage's
    /// scores freeze, `finalists` go on to stage `next`, and each entry of `population` (the
    /// stage's active entries) gets one mail: `shortlisted` or `notShortlisted` (detail: the
    /// stage). Throws `stagePublished` when that shortlist was published before.
    public func publishShortlist(contest: String, stage: String, next: String, finalists: [Int64], population: [Int64],
                                 now: Date = Date()) async throws -> (shortlisted: Int, notShortlisted: Int) {
        try await writing { db in
            let stamp = Timestamp.string(now)
            try db.lock("shortlist:\(contest)")
            guard try db.execute("INSERT INTO publication (contest, stage, published_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                                 [contest, stage, stamp]) > 0 else {
                throw StoreError.stagePublished(contest: contest, stage: stage)
            }
            let chosen = Set(finalists)
            for id in finalists {
                try db.execute("INSERT INTO finalist (contest, stage, entry_id, created_at) VALUES (?, ?, ?, ?)", [contest, next, id, stamp])
                try self.queueMail(.shortlisted, entryID: id, detail: stage, now: now, always: true, db)
            }
            var others = 0
            for id in population where !chosen.contains(id) {
                if try self.queueMail(.notShortlisted, entryID: id, detail: stage, now: now, always: true, db) { others += 1 }
            }
            return (finalists.count, others)
        }
    }

    /// Whether entry `id` went on to `stage` of its contest.
    public func isFinalist(entryID id: Int64, stage: String) async throws -> Bool {
        try await reading { db in try db.integer("SELECT 1 FROM finalist WHERE entry_id = ? AND stage = ?", [id, stage]) != nil }
    }
}
