import CompeCore
import CompeStore
import Foundation
import Testing

/// What the command line refuses or neutralises, with the real binary.
@Suite struct CommandLineGuardTests {
    @Test func aDataDirectoryInsidePublicIsRefusedByServeAndBuild() throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try CompeBinary.run(["build"], in: dir).status == 0)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("Public/Data"), withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: dir.appendingPathComponent("Public/Data/compe.sqlite"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("Linked").path,
                                                   withDestinationPath: dir.appendingPathComponent("Public/Data").path)
        for args in [["serve", "--port", "0", "--data", "Public/Data"], ["serve", "--port", "0", "--data", "Linked"],
                     ["serve", "--port", "0", "--data", "Public"], ["build", "--clean", "--data", "Public/Data"],
                     ["build", "--data", "Linked"]] {
            let r = try CompeBinary.run(args, in: dir)
            #expect(r.status == 1, "\(args): \(r.status)")
            #expect(r.stderr.hasPrefix("compe: the data directory") && r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("Public/Data/compe.sqlite").path), "build --clean deleted the data")
    }

    @Test func textStoredBeforeTheRuleCannotForgeRowsInATerminal() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        // As the first release would have stored them, before one-line fields refused separators.
        let forged = "Nice design\n[x] sme-support-ui\tB-FAKE01\tAlready scored"
        let draft = EntryDraft(contest: "sme-support-ui", title: forged, summary: "s", teamName: "Team\n\(String(repeating: "\t", count: 3))E-9999",
                               members: ["A"], contactEmail: "a@b.example", country: "JP\tE-0999\tfake", link: nil, language: "en")
        _ = try await store.create(draft, files: [], idempotency: nil)
        try await store.addJudge(Judge(handle: "sato", name: "Sato", email: nil, organisation: nil))
        try await store.addToPanel(contest: "sme-support-ui", stage: Stage.firstID, judges: ["sato"])
        _ = try await store.assign(contest: "sme-support-ui", stage: Stage.firstID, finalistsOnly: false, perEntry: 1, seed: 1)
        let queue = try CompeBinary.run(["judge", "queue", "--judge", "sato"], in: dir)
        #expect(queue.status == 0)
        let lines = queue.stdout.split(separator: "\n")
        #expect(lines.count == 2, "the queue printed \(lines.count) lines:\n\(queue.stdout)")
        #expect(lines.filter { $0.hasPrefix("[x]") }.isEmpty && lines[0].split(separator: "\t").count == 3)
        let list = try CompeBinary.run(["entries", "list", "sme-support-ui"], in: dir)
        #expect(list.stdout.split(separator: "\n").count == 1, "\(list.stdout)")
        #expect(list.stdout.split(separator: "\t").count == 4, "\(list.stdout)")
    }
}
