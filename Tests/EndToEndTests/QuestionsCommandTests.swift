import CompeStore
import CompeTestSupport
import Foundation
import Testing

/// `compe questions list|dismiss` with the real binary on a copy of the sample: the questions
/// with their ids, only whether the asker asked for a notice (never the address), text with
/// terminal escapes shown inert, and a dismissal kept with its reason.
@Suite struct QuestionsCommandTests {
    @Test func theOrganiserListsAndDismissesQuestions() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        let now = Date()
        _ = try await store.ask(.init(text: "May a team of four enter?", language: "en", email: "asker@example.org"), contest: "sme-support-ui", now: now)
        _ = try await store.ask(.init(text: "Same question \u{1B}[31mred", language: "en", email: nil), contest: "sme-support-ui", now: now)
        await store.database.close()

        let listed = try CompeBinary.run(["questions", "list", "sme-support-ui"], in: dir)
        #expect(listed.status == 0 && listed.stdout.contains("Q-001") && listed.stdout.contains("notice") && listed.stdout.contains("May a team of four"))
        #expect(!listed.stdout.contains("asker@example.org") && !listed.stdout.contains("\u{1B}"), "no address, no escape")
        let dismissed = try CompeBinary.run(["questions", "dismiss", "sme-support-ui", "Q-002", "--reason", "duplicate of Q-001"], in: dir)
        #expect(dismissed.status == 0 && dismissed.stdout.contains("Q-002 of sme-support-ui dismissed"), "\(dismissed.stderr)")
        let again = try CompeBinary.run(["questions", "dismiss", "sme-support-ui", "Q-002", "--reason", "again"], in: dir)
        #expect(again.status != 0 && again.stderr.contains("has no open question Q-002"))
        let open = try CompeBinary.run(["questions", "list", "sme-support-ui", "--open", "--json"], in: dir)
        let items = try JSONSerialization.jsonObject(with: Data(open.stdout.utf8)) as? [[String: Any]]
        #expect(items?.map { $0["id"] as? String } == ["Q-001"] && items?.first?["notice_requested"] as? Bool == true)
        #expect(!open.stdout.contains("asker@example.org"))
        let unknown = try CompeBinary.run(["questions", "list", "no-such-contest"], in: dir)
        #expect(unknown.status != 0)
    }
}
