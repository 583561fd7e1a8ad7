import CompeCore
@testable import CompeStore
import Foundation
import Testing

/// The store's part of the third hardening round, on each engine: free-text countries mapped
/// to ISO codes by the migration's SQL, mail recipients (daily count, confirmation), and the
/// sheets that stop counting when a judge is no longer assigned.
@Suite struct ThirdRoundStoreTests {
    static func draft(_ title: String, country: String, email: String = "a@x.example") -> EntryDraft {
        EntryDraft(contest: "c", title: title, summary: "s", teamName: "Team", members: ["Ann"], contactEmail: email,
                   country: country, link: nil, language: "ja")
    }

    @Test(arguments: Engine.allCases) func theCountryMigrationMapsWhatItCanAndLeavesTheRest(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let typed = ["日本", " Japan ", "JAPAN", "jp", "Viet Nam", "USA", "Congo", "=HYPERLINK(\"x\")", "Nowhere", "KR"]
            for (i, country) in typed.enumerated() { _ = try await store.create(Self.draft("t\(i)", country: country), files: [], idempotency: nil) }
            try await store.writing { db in for statement in CountryMigration.statements { try db.execute(statement, []) } }
            let after = try await store.entries(contest: "c").sorted { $0.id < $1.id }.map(\.draft.country)
            #expect(after == ["JP", "JP", "JP", "JP", "VN", "US", "Congo", "=HYPERLINK(\"x\")", "Nowhere", "KR"], "\(after)")
            let uncoded = try await store.reading { db in try EntryStore.uncodedCountries(db) }
            #expect(uncoded == ["E-0007", "E-0008", "E-0009"])
        }
    }

    @Test(arguments: Engine.allCases) func recipientsAreCountedPerDayAndConfirmedByTheirToken(engine: Engine) async throws {
        try await StoreUnderTest.with(engine, queuesMail: true) { subject in
            let store = subject.store
            let day1 = Date(timeIntervalSince1970: 1_800_000_000), day2 = day1.addingTimeInterval(86_400)
            for _ in 0..<3 { try await store.countMail(to: "Victim@Example.org", now: day1) }
            #expect(try await store.mailRecipient("victim@example.org", now: day1).sentToday == 3)
            #expect(try await store.mailRecipient("victim@example.org", now: day2).sentToday == 0, "a new day starts at zero")
            try await store.countMail(to: "victim@example.org", now: day2)
            #expect(try await store.mailRecipient("victim@example.org", now: day2).sentToday == 1)
            _ = try await store.create(Self.draft("t", country: "JP", email: "owner@example.org"), files: [], idempotency: nil, now: day1)
            let hash = Data(repeating: 7, count: 32)
            try await store.askConfirmation(of: "OWNER@example.org", tokenHash: hash, now: day1)
            #expect(try await store.mailRecipient("owner@example.org", now: day1).confirmed == false)
            #expect(try await store.confirmAddress(tokenHash: Data(repeating: 8, count: 32), now: day1) == nil)
            #expect(try await store.confirmAddress(tokenHash: hash, now: day2) == "owner@example.org")
            #expect(try await store.mailRecipient("owner@example.org", now: day2).confirmed)
            #expect(try await store.confirmAddress(tokenHash: hash, now: day2) == nil, "a token confirms once")
            let due = try await store.dueMail(now: day2)
            #expect(due.count == 1 && due[0].kind == .receipt, "the waiting receipt is due once the address is confirmed")
        }
    }

    @Test(arguments: Engine.allCases) func aLostLinkRequestIsOneMailForEveryEntry(engine: Engine) async throws {
        try await StoreUnderTest.with(engine, queuesMail: true) { subject in
            let store = subject.store
            for i in 0..<10 { _ = try await store.create(Self.draft("t\(i)", country: "JP", email: "many@example.org"), files: [], idempotency: nil) }
            #expect(try await store.queueRecovery(contest: "c", email: "MANY@example.org") == 10)
            let recover = try await store.outbox().filter { $0.kind == .recover }
            #expect(recover.count == 1)
            #expect(try await store.recoverySubjects(entryID: recover[0].entryID).count == 10)
        }
    }
}

/// Every row type's columns are declared once and read and written by name: a row with a
/// different value in every column comes back whole on both engines (a swapped pair of columns
/// of one type would read back swapped).
@Suite struct NamedColumnTests {
    @Test(arguments: Engine.allCases) func everyRowTypeRoundTripsColumnByColumn(engine: Engine) async throws {
        try await StoreUnderTest.with(engine, queuesMail: true) { subject in
            let store = subject.store
            let entry = EntryRow(id: 41, code: "E-0041", contest: "c-contest", title: "t-title", summary: "s-summary", teamName: "n-team",
                                 members: "m-members", contactEmail: "e@mail.example", country: "JP", link: "https://l.example", language: "en",
                                 tokenSalt: Data([1, 2, 3]), tokenHash: Data([4, 5, 6, 7]), receivedAt: "2027-01-01T00:00:00.001Z",
                                 updatedAt: "2027-01-02T00:00:00.002Z", withdrawnAt: "2027-01-03T00:00:00.003Z")
            let file = FileRow(entryId: 41, position: 7, name: "f-name.pdf", bytes: 12345, sha256: String(repeating: "ab", count: 32), kind: "pdf")
            try await store.writing { db in
                try db.insert(into: "entry", columns: EntryRow.names, rows: [entry.values])
                try db.insert(into: "entry_file", columns: FileRow.names, rows: [file.values])
            }
            let (readEntry, readFile) = try await store.reading { db in
                (try db.first("SELECT \(EntryRow.columns) FROM entry WHERE id = 41", []) { try EntryRow(row: $0) },
                 try db.first("SELECT \(FileRow.columns()) FROM entry_file WHERE entry_id = 41", []) { try FileRow(row: $0) })
            }
            #expect(readEntry == entry && readFile == file)
            let judge = Judge(handle: "h-judge", name: "n-name", email: "e@judge.example", organisation: "o-org")
            try await store.addJudge(judge)
            #expect(try await store.judges() == [judge])
            #expect(try await store.queueForContest(.results, contest: "c-contest").new == 0, "a withdrawn entry gets no mail")
        }
    }
}

/// `compe fsck` checks the data, not only the schema, on both engines: a deleted upload, a row
/// pointing at an entry that is not there, an id generator behind the largest id.
@Suite struct FsckDataTests {
    @Test(arguments: Engine.allCases) func fsckReportsMissingFilesAndRowsWithoutTheirEntry(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let upload = try store.uploads.begin()
            try Array("%PDF-1.4 fsck".utf8).withUnsafeBytes { try upload.append($0) }
            let receipt = try await store.create(ThirdRoundStoreTests.draft("t", country: "JP"),
                                                 staged: [StagedFile(name: "a.pdf", upload: upload, kind: "pdf")], idempotency: nil)
            var report = try await Fsck.check(store: store, repair: false)
            #expect(report.isClean && report.rows.isEmpty, "\(report.summary)")
            let hash = receipt.entry.files[0].sha256
            try FileManager.default.removeItem(at: try #require(store.uploads.file(sha256: hash)))
            try await store.writing { db in
                try db.execute("INSERT INTO score_audit (at, judge, entry_id, field, old_value, new_value, source) VALUES ('x', 'nobody', 999, 'f', NULL, '1', 'api')", [])
            }
            report = try await Fsck.check(store: store, repair: false)
            #expect(!report.isClean && report.missing == [hash], "\(report.summary)")
            #expect(report.rows.contains { $0.contains("score_audit") && $0.contains("E-0999") }, "\(report.rows)")
            #expect(report.summary.contains("DAMAGED row"))
            try await store.writing { db in
                switch engine {
                case .sqlite: try db.execute("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'entry'", [])
                case .postgres: try db.execute("SELECT setval(pg_get_serial_sequence('entry', 'id'), 1, false)", [])
                }
            }
            report = try await Fsck.check(store: store, repair: false)
            #expect(report.rows.contains { $0.contains("id generator of entry") }, "\(report.rows)")
            // As `compe migrate` leaves them: every generator set to continue after its largest
            // id and not used since, which is not behind.
            try await store.database.continueSequences()
            if engine == .sqlite {
                try await store.writing { db in try db.execute("UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM entry) WHERE name = 'entry'", []) }
            }
            report = try await Fsck.check(store: store, repair: false)
            #expect(!report.rows.contains { $0.contains("id generator") }, "\(report.rows)")
        }
    }
}

/// Consents ticked on the entry form are stored in the entry's own transaction, on the group
/// commit's path and on the idempotent one; a replay adds none; every later choice is a new row.
@Suite struct ConsentStoreTests {
    @Test(arguments: Engine.allCases) func consentsComeWithTheEntryAndEveryChoiceIsKept(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let bank = ConsentChoice(partner: "bank", version: String(repeating: "a", count: 64))
            let city = ConsentChoice(partner: "city", version: String(repeating: "b", count: 64))
            let plain = try await store.create(ThirdRoundStoreTests.draft("plain", country: "JP"), files: [], idempotency: nil, consents: [bank, city])
            let claim = IdempotencyClaim(key: "k", request: Data("r".utf8))
            let keyed = try await store.create(ThirdRoundStoreTests.draft("keyed", country: "JP"), files: [], idempotency: claim, consents: [bank])
            let replay = try await store.create(ThirdRoundStoreTests.draft("keyed", country: "JP"), files: [], idempotency: claim, consents: [bank])
            #expect(replay.replayed && replay.entry.id == keyed.entry.id)
            #expect(try await store.standingConsents(entryID: plain.entry.id) == [bank, city])
            #expect(try await store.standingConsents(entryID: keyed.entry.id) == [bank])
            #expect(try await store.standingConsents(partner: "bank", version: bank.version) == [plain.entry.id, keyed.entry.id])
            try await store.recordConsents(entryID: plain.entry.id, [(bank, false)])
            #expect(try await store.standingConsents(entryID: plain.entry.id) == [city])
            let rows = try await store.reading { db in try db.integer("SELECT COUNT(*) FROM consent_event", []) }
            #expect(rows == 4, "3 given with the entries (none by the replay), 1 withdrawn")
        }
    }
}
