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
            #expect(StoredQuestion.number("Q-007") == 7 && StoredQuestion.number("7") == 7 && StoredQuestion.number("Q-x") == nil)
        }
    }
}
