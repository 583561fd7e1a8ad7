import CompeCore
import Crypto
@testable import CompeStore
import Foundation
import Testing

/// Resumable uploads in the store, on each engine: bytes acknowledged only as they are advanced,
/// the hash carried across requests and rebuilt after a restart, a newer request taking an upload
/// over, the owner's key, the limits' counts, expiry, and the claim in the entry's transaction
/// (used once, by one of two instances racing for it, never by another key's entry).
@Suite struct ResumableUploadStoreTests {
    static let at = DateParsing.dateTime("2027-01-20T12:00:00Z")!

    static func draft(_ title: String) -> EntryDraft {
        EntryDraft(contest: "c", title: title, summary: "s", teamName: "Team", members: ["Ann"], contactEmail: "a@x.example",
                   country: "JP", link: nil, language: "ja")
    }

    /// A finished upload of `bytes` written through the store's files, as the tus API does.
    static func finished(_ store: EntryStore, bytes: [UInt8], key: String, client: String = "192.0.2.1") async throws -> ResumableUpload {
        let upload = ResumableUpload(id: ResumableUpload.newID(), contest: "c", client: client, length: Int64(bytes.count), filename: "a.pdf",
                                     declaredKind: .pdf, createdAt: at, expiresAt: at.addingTimeInterval(3600))
        try store.resumable.create(upload.id)
        try await store.createUpload(upload, ownerHash: ResumableUpload.ownerHash(key))
        let writer = try store.resumable.writer(upload.id, at: 0)
        #expect(try bytes.withUnsafeBytes { try writer.append($0) })
        try writer.sync()
        #expect(try await store.advanceUpload(id: upload.id, from: 0, to: Int64(bytes.count)))
        try await store.completeUpload(id: upload.id, length: Int64(bytes.count), sha256: writer.digest, kind: .pdf, now: at)
        writer.closeFile()
        return try #require(try await store.upload(id: upload.id, ownerHash: ResumableUpload.ownerHash(key)))
    }

    static func staged(_ store: EntryStore, _ upload: ResumableUpload) -> StagedFile {
        StagedFile(name: upload.filename, upload: .adopting(path: store.resumable.path(upload.id),
                                                            blob: StoredBlob(sha256: upload.sha256!, bytes: upload.length), head: []),
                   kind: "pdf")
    }

    @Test(arguments: Engine.allCases) func bytesAreAcknowledgedAndTheHashSurvivesARestart(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let bytes = Array("%PDF-1.4 resumable upload bytes".utf8)
            let upload = ResumableUpload(id: ResumableUpload.newID(), contest: "c", client: "192.0.2.1", length: Int64(bytes.count), filename: "a.pdf",
                                         declaredKind: .pdf, createdAt: Self.at, expiresAt: Self.at.addingTimeInterval(3600))
            try store.resumable.create(upload.id)
            try await store.createUpload(upload, ownerHash: ResumableUpload.ownerHash("key-of-the-owner-1"))
            #expect(try await store.upload(id: upload.id, ownerHash: ResumableUpload.ownerHash("someone-else-key")) == nil)

            // Ten bytes acknowledged; five more written but never acknowledged (a kill -9).
            let first = try store.resumable.writer(upload.id, at: 0)
            #expect(try bytes[0..<15].withUnsafeBytes { try first.append($0) })
            try first.sync()
            #expect(try await store.advanceUpload(id: upload.id, from: 0, to: 10))
            #expect(!(try await store.advanceUpload(id: upload.id, from: 0, to: 15)), "an offset moved meanwhile is not advanced")
            first.closeFile()

            // Another process (a restart): the hash is rebuilt from the acknowledged bytes, the tail cut.
            let restarted = try ResumableFiles(dataDirectory: subject.directory)
            let stored = try #require(try await store.upload(id: upload.id, ownerHash: ResumableUpload.ownerHash("key-of-the-owner-1")))
            #expect(stored.received == 10)
            let second = try restarted.writer(upload.id, at: stored.received)
            #expect(try bytes[10...].withUnsafeBytes { try second.append($0) })
            #expect(second.digest == Hex.encode(SHA256.hash(data: bytes)) && second.head == Array(bytes.prefix(16)))

            // A newer request takes the upload over: the older one writes nothing more.
            let third = try restarted.writer(upload.id, at: 10)
            #expect(!(try bytes[10...].withUnsafeBytes { try second.append($0) }))
            #expect(!second.isCurrent && third.isCurrent)
            let onDisk = try Data(contentsOf: URL(fileURLWithPath: restarted.path(upload.id)))
            #expect(onDisk.count == 10, "the newer request cut the file back to the acknowledged offset")
        }
    }

    @Test(arguments: Engine.allCases) func anEntryTakesAFinishedUploadOnceInItsTransaction(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            let upload = try await Self.finished(store, bytes: Array("%PDF-1.4 the design".utf8), key: "key-of-the-owner-1")
            let mine = UploadClaim(id: upload.id, ownerHash: ResumableUpload.ownerHash("key-of-the-owner-1"))
            let theirs = UploadClaim(id: upload.id, ownerHash: ResumableUpload.ownerHash("key-of-a-stranger"))

            await #expect(throws: StoreError.self) {
                _ = try await store.create(Self.draft("stolen"), staged: [Self.staged(store, upload)], idempotency: nil, claims: [theirs], now: Self.at)
            }
            let entries = try await store.count(), leaves = try await store.logLeaves(contest: "c")
            #expect(entries == 0 && leaves.isEmpty, "a refused claim leaves no entry and no leaf")
            #expect(FileManager.default.fileExists(atPath: store.resumable.path(upload.id)), "the upload stays for its owner")

            let receipt = try await store.create(Self.draft("mine"), staged: [Self.staged(store, upload)], idempotency: nil, claims: [mine], now: Self.at)
            #expect(receipt.entry.files.map(\.sha256) == [upload.sha256!])
            #expect(store.uploads.file(sha256: upload.sha256!) != nil, "linked into uploads/ under its hash")
            #expect(try await store.upload(id: upload.id, ownerHash: mine.ownerHash)?.usedBy == receipt.entry.id)
            await #expect(throws: StoreError.self) {
                _ = try await store.create(Self.draft("again"), staged: [Self.staged(store, upload)], idempotency: nil, claims: [mine], now: Self.at)
            }
            #expect(try await store.count() == 1)

            // Two instances race for one upload: exactly one entry gets it.
            let contested = try await Self.finished(store, bytes: Array("%PDF-1.4 raced".utf8), key: "key-of-the-owner-2")
            let claim = UploadClaim(id: contested.id, ownerHash: ResumableUpload.ownerHash("key-of-the-owner-2"))
            let other = try subject.instance()
            async let a = try? store.create(Self.draft("a"), staged: [Self.staged(store, contested)], idempotency: nil, claims: [claim], now: Self.at)
            async let b = try? other.create(Self.draft("b"), staged: [Self.staged(other, contested)], idempotency: nil, claims: [claim], now: Self.at)
            let outcomes = await [a, b]
            #expect(outcomes.compactMap { $0 }.count == 1)
            #expect(try await store.count() == 2)
        }
    }

    @Test(arguments: Engine.allCases) func limitsCountUnfinishedUploadsAndExpiryRemovesThem(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store
            for (i, client) in ["192.0.2.1", "192.0.2.1", "192.0.2.9"].enumerated() {
                let upload = ResumableUpload(id: ResumableUpload.newID(), contest: "c", client: client, length: 1000, received: Int64(i * 100),
                                             filename: "a.pdf", declaredKind: .pdf, createdAt: Self.at, expiresAt: Self.at.addingTimeInterval(3600))
                try store.resumable.create(upload.id)
                try await store.createUpload(upload, ownerHash: ResumableUpload.ownerHash("key-of-the-owner-1"))
            }
            _ = try await Self.finished(store, bytes: Array("%PDF-1.4 done".utf8), key: "key-of-the-owner-1")   // finished: not in flight
            let flight = try await store.uploadsInFlight(client: "192.0.2.1", now: Self.at)
            #expect(flight == UploadsInFlight(clientUploads: 2, clientBytes: 1900, totalBytes: 2700))
            let later = Self.at.addingTimeInterval(7200)
            #expect(try await store.uploadsInFlight(client: "192.0.2.1", now: later).clientUploads == 0, "expired uploads do not count")
            let (expired, used) = try await store.expiredUploads(now: later)
            #expect(expired.count == 4 && used.isEmpty)
            #expect(try await store.forgetExpiredUploads(now: later) == 4)
            #expect(try await store.uploadIDs().isEmpty)
        }
    }
}
