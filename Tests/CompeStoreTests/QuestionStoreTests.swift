import CompeCore
@testable import CompeStore
import Foundation
import Testing

/// Questions in the store, on each engine: numbered per contest (two instances asking at once
/// never share a number), listed oldest first with only whether an address was given, and
/// dismissed once, with the reason.
@Suite struct QuestionStoreTests {
    static let at = DateParsing.dateTime("2027-01-20T12:00:00Z")!

    @Test(arguments: Engine.allCases) func questionsAreNumberedPerContestAndDismissedOnce(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject in
            let store = subject.store, other = try subject.instance()
            let first = try await store.ask(AskedQuestion(text: "May a team of four enter?", language: "en", email: "asker@example.org"),
                                            contest: "c", now: Self.at)
            let elsewhere = try await store.ask(AskedQuestion(text: "別のコンテスト", language: "ja", email: nil), contest: "d", now: Self.at)
            #expect(first == 1 && elsewhere == 1)
            // Two instances at once: different numbers.
            async let a = store.ask(AskedQuestion(text: "a", language: "ja", email: nil), contest: "c", now: Self.at)
            async let b = other.ask(AskedQuestion(text: "b", language: "ja", email: nil), contest: "c", now: Self.at)
            #expect(Set(try await [a, b]) == [2, 3])

            let listed = try await store.questions(contest: "c")
            #expect(listed.map(\.code) == ["Q-001", "Q-002", "Q-003"])
            #expect(listed[0].text == "May a team of four enter?" && listed[0].hasEmail && !listed[1].hasEmail && listed[0].state == .open)
            #expect(try await store.dismissQuestion(contest: "c", number: 2, reason: "duplicate of Q-001", now: Self.at))
            #expect(!(try await store.dismissQuestion(contest: "c", number: 2, reason: "again", now: Self.at)), "only an open question is dismissed")
            #expect(!(try await store.dismissQuestion(contest: "c", number: 9, reason: "none", now: Self.at)))
            let open = try await store.questions(contest: "c", openOnly: true)
            #expect(open.map(\.number) == [1, 3])
            let dismissed = try #require(try await store.questions(contest: "c").first { $0.number == 2 })
            #expect(dismissed.state == .dismissed && dismissed.reason == "duplicate of Q-001" && dismissed.closedAt == Self.at)
            #expect(QuestionID.number("Q-007") == 7 && QuestionID.number("7") == 7 && QuestionID.number("Q-x") == nil)
        }
    }

    /// A new question is numbered past the answers already published (written by hand).
    @Test(arguments: Engine.allCases) func aQuestionIsNumberedPastThePublishedAnswers(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject async throws in
            let q = AskedQuestion(text: "q", language: "ja", email: nil)
            #expect(try await subject.store.ask(q, contest: "c", after: 2, now: Self.at) == 3)
            #expect(try await subject.store.ask(q, contest: "c", after: 2, now: Self.at) == 4)
            #expect(try await subject.store.ask(q, contest: "c", after: 9, now: Self.at) == 10)
        }
    }

    /// The asker's notice: queued once (a second announcement queues nothing), claimed by one
    /// instance at a time, and once sent the address is deleted, so it is used once and kept no
    /// longer; nothing for a question without an address, one dismissed, or none at all.
    @Test(arguments: Engine.allCases) func theAskersNoticeIsQueuedOnceAndTheAddressDeletedWhenSent(engine: Engine) async throws {
        try await StoreUnderTest.with(engine) { subject async throws in
            let store = subject.store, other = try subject.instance()
            _ = try await store.ask(AskedQuestion(text: "with address", language: "en", email: "asker@example.org"), contest: "c", now: Self.at)
            _ = try await store.ask(AskedQuestion(text: "without", language: "ja", email: nil), contest: "c", now: Self.at)
            _ = try await store.ask(AskedQuestion(text: "dismissed", language: "ja", email: "d@example.org"), contest: "c", now: Self.at)
            _ = try await store.dismissQuestion(contest: "c", number: 3, reason: "duplicate", now: Self.at)
            #expect(try await store.questions(contest: "c").first?.notice == .unannounced)
            #expect(try await store.dueAnswerNotices(now: Self.at, lease: 60).isEmpty, "nothing is sent before the announcement")

            let later = Self.at.addingTimeInterval(3_600)
            #expect(try await store.queueAnswerNotice(contest: "c", number: 1, now: later) == .queued)
            #expect(try await store.queueAnswerNotice(contest: "c", number: 1, now: later) == .before)
            #expect(try await store.queueAnswerNotice(contest: "c", number: 2, now: later) == .noAddress)
            #expect(try await store.queueAnswerNotice(contest: "c", number: 3, now: later) == .dismissed)
            #expect(try await store.queueAnswerNotice(contest: "c", number: 9, now: later) == .noSuchQuestion)
            let listed = try await store.questions(contest: "c")
            #expect(listed[0].state == .answered && listed[1].state == .answered && listed[2].state == .dismissed, "announcing answers an open question")
            #expect(listed[0].notice == .queued(error: nil))

            let due = try await store.dueAnswerNotices(now: later, lease: 60)
            #expect(due.map(\.email) == ["asker@example.org"] && due.first?.language == "en")
            #expect(try await other.dueAnswerNotices(now: later, lease: 60).isEmpty, "claimed by one instance at a time")
            try await store.recordAnswerNotice(contest: "c", number: 1, sent: false, error: "421 busy", retryAt: later.addingTimeInterval(120), now: later)
            #expect(try await store.questions(contest: "c").first?.notice == .queued(error: "421 busy"))
            #expect(try await other.dueAnswerNotices(now: later.addingTimeInterval(121), lease: 60).count == 1, "tried again after the backoff")
            try await store.recordAnswerNotice(contest: "c", number: 1, sent: true, now: later.addingTimeInterval(130))
            #expect(try await store.questions(contest: "c").first?.notice == .sent(later.addingTimeInterval(130)))
            #expect(try await store.dueAnswerNotices(now: later.addingTimeInterval(86_400), lease: 60).isEmpty, "sent once")
            #expect(try await store.queueAnswerNotice(contest: "c", number: 1, now: later) == .before, "a sent notice is not queued again")
            let addresses = try await store.reading { db in
                try db.rows("SELECT email FROM question WHERE contest = 'c' ORDER BY number", []) { try $0.optionalString("email") }
            }
            #expect(addresses == [nil, nil, "d@example.org"], "the address is deleted once its one mail is sent")
        }
    }
}
