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

    /// `compe questions answer` and `compe announce <contest> Q-…` refuse, in one line, what they
    /// cannot do well: a translation before its original, a language the site lacks, a question
    /// that does not exist, two answers at once, an answer not published yet.
    @Test func answeringRefusesWhatItCannotDoWell() async throws {
        let dir = try CompeBinary.sampleCopy()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try EntryStore(dataDirectory: dir.appendingPathComponent("Data"))
        _ = try await store.ask(.init(text: "Is a PDF enough?", language: "en", email: nil), contest: "sme-support-ui", after: 2, now: Date())
        await store.database.close()

        let translationFirst = try CompeBinary.run(["questions", "answer", "sme-support-ui", "Q-003", "--lang", "en", "--answer", "Yes."], in: dir)
        #expect(translationFirst.status == 1 && translationFirst.stderr.contains("write the default language's answer first (Content/contests/sme-support-ui/questions/003.md)"),
                "\(translationFirst.stderr)")
        let french = try CompeBinary.run(["questions", "answer", "sme-support-ui", "Q-003", "--lang", "fr", "--answer", "Oui."], in: dir)
        #expect(french.status == 1 && french.stderr.contains("language 'fr' is not in site.yml's languages (ja, en)"))
        let unknown = try CompeBinary.run(["questions", "answer", "sme-support-ui", "Q-009", "--answer", "x"], in: dir)
        #expect(unknown.status == 1 && unknown.stderr.contains("sme-support-ui has no question Q-009"))
        let both = try CompeBinary.run(["questions", "answer", "sme-support-ui", "Q-003", "--answer", "x", "--answer-file", "-"], in: dir)
        #expect(both.status != 0 && both.stderr.contains("give the answer with --answer or with --answer-file (one of them)"))
        let unpublished = try CompeBinary.run(["announce", "sme-support-ui", "Q-003"], in: dir)
        #expect(unpublished.status == 1 && unpublished.stderr.contains("no published answer Q-003") && unpublished.stderr.contains("published: Q-001, Q-002"),
                "\(unpublished.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("Content/contests/sme-support-ui/questions/003.en.md").path))

        let written = try CompeBinary.run(["questions", "answer", "sme-support-ui", "Q-003", "--answer", "はい、PDF で結構です。",
                                           "--question", "PDF だけで足りますか。"], in: dir)
        #expect(written.status == 0 && written.stdout.contains("wrote Content/contests/sme-support-ui/questions/003.md"))
        let file = try String(contentsOf: dir.appendingPathComponent("Content/contests/sme-support-ui/questions/003.md"), encoding: .utf8)
        #expect(file.contains("question: |\n  PDF だけで足りますか。\nasked: ") && file.hasSuffix("---\n\nはい、PDF で結構です。\n") && !file.contains("Is a PDF enough"))
        let built = try CompeBinary.run(["build"], in: dir)
        #expect(built.status == 0, "the written file builds: \(built.stderr)")
        let listed = try CompeBinary.run(["questions", "list", "sme-support-ui", "--json"], in: dir)
        #expect(listed.stdout.contains("\"state\" : \"answered\""), "writing the original marks the question answered: \(listed.stdout)")
    }
}
