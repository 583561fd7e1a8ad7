import Foundation

/// A throwaway content directory in a temp folder, written file by file.
public final class TestSite {
    /// The temp folder (holds `Content/`, and `Static/`/`Public/` when a test makes them).
    public let root: URL

    /// Makes an empty temp folder.
    public init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("compe-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// `<root>/Content`.
    public var content: URL { root.appendingPathComponent("Content") }

    /// Writes `text` to `Content/<path>`.
    public func write(_ path: String, _ text: String) throws {
        let url = content.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// A valid bilingual `site.yml`.
    public static let siteYML = """
    title: {ja: テスト, en: Test}
    base_url: https://example.org
    languages: [ja, en]
    timezone: Asia/Tokyo

    """

    /// A valid contest brief, open from 2027-01-10 to 2027-02-10 (Tokyo).
    public static let brief = """
    ---
    title: テストコンペ
    opens: 2027-01-10T09:00:00+09:00
    closes: 2027-02-10T17:00:00+09:00
    prizes: ["1st: ¥1,000,000"]
    criteria:
      - {id: usability, name: 使いやすさ, weight: 60, scale: [1, 10], rubric: "r1"}
      - {id: originality, name: 独創性, weight: 40, scale: [1, 10], rubric: "r2"}
    ---
    ## ルール

    本文。

    """

    /// A small valid bilingual site: home in both languages and one contest.
    public static func minimal() throws -> TestSite {
        let site = try TestSite()
        try site.write("site.yml", siteYML)
        try site.write("pages/index.md", "---\ntitle: ホーム\n---\nようこそ\n")
        try site.write("pages/index.en.md", "---\ntitle: Home\n---\nWelcome\n")
        try site.write("contests/test/brief.md", brief)
        return site
    }
}
