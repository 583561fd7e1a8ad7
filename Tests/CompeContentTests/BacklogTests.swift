import CompeContent
import CompeCore
import Foundation
import Testing

/// The backlog parser's diagnostics at exact positions, and the chart arithmetic by hand.
@Suite struct BacklogTests {
    static let header = """
    ---
    iteration: 12
    title: 申請フォームの電子化
    start: 2027-01-11
    end: 2027-01-22
    capacity: 30
    ---

    """

    func parse(_ text: String, path: String = "Content/backlog/12.md") -> (BacklogFile, [String]) {
        var diags = Diagnostics()
        let file = BacklogParser(languages: ["ja", "en"]).parse(text, path: path, slug: "12", diags: &diags)
        return (file, diags.sorted.map(\.description))
    }

    @Test func theSpecExampleParsesCleanly() throws {
        let (file, d) = parse(Self.header + """
        ## APP-101 Upload progress bar
        - points: 3
        - status: done            # todo | doing | review | done | dropped
        - owner: sakai
        - labels: ux, upload
        - added: 2027-01-11       # default: start; later = scope added mid-iteration
        - done: 2027-01-14        # required when status is done
        - entry: E-0007           # optional: the contest entry this came from

        As an entrant I want to see upload progress so that I know a large file is still going.

        - [x] percentage shown
        - [ ] works without JavaScript
        """)
        #expect(d.isEmpty)
        let item = try #require(file.iteration?.items.first)
        #expect(item.id == "APP-101" && item.title == "Upload progress bar")
        #expect(item.points == 3 && item.status == .done && item.owner == "sakai" && item.labels == ["ux", "upload"])
        #expect(item.entry == "E-0007")
        #expect(item.checklist.done == 1 && item.checklist.total == 2)
        #expect(file.iteration?.capacity == 30)
    }

    @Test func everyMistakeIsReportedAtItsPosition() {
        let (_, d) = parse(Self.header + """
        ## APP-1 One
        - points: 4
        - status: finished
        - owner: a
        - colour: red

        ## APP-2 Two
        - points: 2
        - status: done

        ## APP-3 Three
        - points: 1
        - added: 2027-01-30
        - done: 2027-13-01
        """)
        // Line 8 is the first body line (the header's 7 lines end with '---').
        #expect(d == [
            "Content/backlog/12.md:9:11: error: points '4' is off the scale 0, 1, 2, 3, 5, 8, 13, 21",
            "Content/backlog/12.md:10:11: error: status 'finished' is not one of todo | doing | review | done | dropped",
            "Content/backlog/12.md:12:3: error: unknown key 'colour' in item APP-1 (allowed: points, status, owner, labels, added, done, entry)",
            "Content/backlog/12.md:16:11: error: item APP-2 is done but has no 'done:' date",
            "Content/backlog/12.md:20:10: error: 'added' 2027-01-30 is outside the iteration (2027-01-11 to 2027-01-22)",
            "Content/backlog/12.md:21:9: error: 'done' is not a valid date: write it as YYYY-MM-DD",
        ])
    }

    @Test func missingFrontMatterAndBadHeadings() {
        let (_, d1) = parse("## APP-1 x\n- points: 1\n")
        #expect(d1.count == 1 && d1[0].hasPrefix("Content/backlog/12.md:1:1: error: missing front matter"))
        let (_, d2) = parse(Self.header + "## Fix the thing\n- points: 1\n")
        #expect(d2 == ["Content/backlog/12.md:8:4: error: an item heading starts with its id, like '## APP-101 Upload progress bar' (got 'Fix')"])
        let (_, d3) = parse(Self.header.replacingOccurrences(of: "start: 2027-01-11", with: "start: 2027-1-11"))
        #expect(d3 == ["Content/backlog/12.md:4:8: error: 'start' is not a valid date: write it as YYYY-MM-DD, e.g. 2027-01-11"])
    }

    @Test func duplicateIdsNameBothPlaces() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("backlog-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("backlog"), withIntermediateDirectories: true)
        try (Self.header + "## APP-1 A\n- points: 1\n").write(to: root.appendingPathComponent("backlog/12.md"), atomically: true, encoding: .utf8)
        try (Self.header.replacingOccurrences(of: "iteration: 12", with: "iteration: 13")
             + "## APP-2 B\n- points: 1\n\n## APP-1 Again\n- points: 2\n")
            .write(to: root.appendingPathComponent("backlog/13.md"), atomically: true, encoding: .utf8)
        var diags = Diagnostics()
        let its = BacklogLoader(root: root, displayRoot: "Content", languages: ["ja"]).load(&diags)
        #expect(its.map(\.number) == [12, 13])
        #expect(diags.sorted.map(\.description) == ["Content/backlog/13.md:11:4: error: duplicate id APP-1: also at Content/backlog/12.md:8:4"])
    }

    // MARK: arithmetic (hand-checked)

    func day(_ s: String) -> Date { DateParsing.day(s)! }

    func item(_ id: String, _ points: Int, _ status: BacklogItem.Status, added: String = "2027-01-11", done: String? = nil) -> BacklogItem {
        BacklogItem(id: id, title: id, points: points, status: status, owner: nil, labels: [], added: day(added),
                    done: done.map(day), entry: nil, checklist: (0, 0), body: "")
    }

    /// Five days, 10 committed points (A 3, B 5, C 2), D (2) added on day 3, C dropped on day 4,
    /// A done day 2, D done day 4, B carried over (never done).
    var sample: Iteration {
        Iteration(number: 1, title: ["ja": "t"], goal: [:], start: day("2027-01-11"), end: day("2027-01-15"), capacity: 12, items: [
            item("A-1", 3, .done, done: "2027-01-12"),
            item("A-2", 5, .doing),
            item("A-3", 2, .dropped, done: "2027-01-14"),
            item("A-4", 2, .done, added: "2027-01-13", done: "2027-01-14"),
        ], slug: "1")
    }

    @Test func burndownWithScopeAddedDroppedAndCarryOver() {
        let it = sample
        #expect(it.committed == 10)   // A-1 + A-2 + A-3 (dropped items were committed)
        #expect(it.added == 2)
        #expect(it.completed == 5)    // A-1 + A-4; A-2 carries over
        let b = it.burndown(today: day("2027-01-15"))
        // day:        11  12  13  14  15
        // scope:      10  10  12  10  10   (+2 on the 13th, −2 when A-3 is dropped on the 14th)
        // done:        0   3   3   5   5
        // remaining:  10   7   9   5   5
        #expect(b.days.map(\.scope) == [10, 10, 12, 10, 10])
        #expect(b.days.map(\.remaining) == [10, 7, 9, 5, 5])
        #expect(b.ideal.map(\.points) == [10, 7.5, 5, 2.5, 0])
    }

    @Test func burndownStopsAtToday() {
        #expect(sample.burndown(today: day("2027-01-12")).days.count == 2)
    }

    @Test func velocityRollingAverageOfLastThree() {
        var its: [Iteration] = []
        for (n, done) in [(1, 8), (2, 10), (3, 6), (4, 12)] {
            its.append(Iteration(number: n, title: [:], goal: [:], start: day("2027-01-11"), end: day("2027-01-15"), capacity: nil,
                                 items: [item("X-\(n)", done == 6 ? 5 : 8, .done, done: "2027-01-12"),
                                         item("Y-\(n)", done - (done == 6 ? 5 : 8), done == 6 ? .done : .done, done: "2027-01-13")],
                                 slug: "\(n)"))
        }
        let rows = Velocity.rows(its)
        #expect(rows.map(\.completed) == [8, 10, 6, 12])
        #expect(rows.map(\.rollingAverage) == [8, 9, 8, 28.0 / 3])
    }
}
