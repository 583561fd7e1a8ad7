@testable import CompeContent
import CompeCore
@testable import CompeSite
import CompeTestSupport
import Foundation
import Testing

/// The source cache `compe build` keeps beside its manifest (`.compe-sources`): a later build
/// trusts a page's parse while `stat` says the file is as it was, sees every edit (even one that
/// puts the old size and modification time back), and ends with the bytes a clean build makes.
@Suite struct SourceCacheTests {
    let incremental = IncrementalBuildTests()

    /// Waits until the clock is in a later second than every file written so far, so the next
    /// build's stamps are not "racy" (same second as the build).
    func nextSecond() {
        let now = Int(Date().timeIntervalSince1970)
        while Int(Date().timeIntervalSince1970) <= now { usleep(20_000) }
    }

    func kept(_ site: TestSite) -> [String: SourceCache.Entry] {
        SourceCache.read(from: site.root.appendingPathComponent("Public/" + SourceCache.fileName).path,
                         contentRoot: site.content.path).snapshot().entries
    }

    /// Rewrites a file in place (same inode, same size) and puts its modification time back.
    func overwriteKeepingSizeAndTime(_ url: URL, _ text: String) throws {
        var before = stat()
        #expect(stat(url.path, &before) == 0)
        let handle = try FileHandle(forWritingTo: url)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, url.path, &times, 0) == 0)
        var after = stat()
        stat(url.path, &after)
        #expect(after.st_size == before.st_size && after.st_mtim.tv_sec == before.st_mtim.tv_sec
                && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_ino == before.st_ino)
    }

    @Test func anEditThatKeepsSizeAndModificationTimeIsStillSeen() throws {
        let site = try incremental.site()
        try site.write("pages/draft.md", "---\ntitle: 未公開の題名\ndraft: true\n---\n下書き\n")
        nextSecond()
        try SiteBuilder(options: incremental.options(site)).build()
        // Every page but the draft is kept, trusted by the next build.
        let entries = kept(site)
        #expect(entries["pages/p3.md"] != nil && entries["pages/about.md"] != nil && entries["pages/p1.en.md"] != nil)
        #expect(entries["pages/draft.md"] == nil)
        let cacheFile = try Data(contentsOf: site.root.appendingPathComponent("Public/" + SourceCache.fileName))
        #expect(!String(decoding: cacheFile, as: UTF8.self).contains("未公開の題名"), "a draft's title is not left in the output")

        let p3 = site.content.appendingPathComponent("pages/p3.md")
        let original = try String(contentsOf: p3, encoding: .utf8)
        let edited = original.replacingOccurrences(of: "Body 3", with: "Bodi 3")
        #expect(edited != original && edited.utf8.count == original.utf8.count)
        try overwriteKeepingSizeAndTime(p3, edited)
        let report = try SiteBuilder(options: incremental.options(site)).build()
        #expect(report.written == 1)
        #expect(try String(contentsOf: site.root.appendingPathComponent("Public/p3/index.html"), encoding: .utf8).contains("Bodi 3"))
        try incremental.expectSameAsClean(site)
    }

    @Test func pagesRestoredFromTheCacheRenderTheBytesOfACleanBuild() throws {
        let site = try incremental.site()
        nextSecond()
        try SiteBuilder(options: incremental.options(site)).build()
        #expect(kept(site).count >= 7)
        // A change every page shows: each is rendered again, its body read only now.
        try site.write("site.yml", (try String(contentsOf: site.content.appendingPathComponent("site.yml"), encoding: .utf8))
            .replacingOccurrences(of: "ja: テスト", with: "ja: 改テスト"))
        let report = try SiteBuilder(options: incremental.options(site)).build()
        #expect(report.written >= 7)
        try incremental.expectSameAsClean(site)
        // Nothing changed: nothing read again, nothing written.
        nextSecond()
        try SiteBuilder(options: incremental.options(site)).build()
        #expect(try SiteBuilder(options: incremental.options(site)).build().written == 0)
        // A page removed is forgotten; a damaged cache is ignored, not trusted.
        try FileManager.default.removeItem(at: site.content.appendingPathComponent("pages/p5.md"))
        try SiteBuilder(options: incremental.options(site)).build()
        #expect(kept(site)["pages/p5.md"] == nil)
        let file = site.root.appendingPathComponent("Public/" + SourceCache.fileName)
        let bytes = try Data(contentsOf: file)
        try bytes.prefix(bytes.count / 2).write(to: file)
        #expect(kept(site).isEmpty)
        try site.write("pages/p2.md", "---\ntitle: Page 2\n---\nChanged while the cache was damaged.\n")
        try SiteBuilder(options: incremental.options(site)).build()
        try incremental.expectSameAsClean(site)
    }

    @Test func aFileChangedInTheBuildsOwnSecondIsReadAgain() {
        // size:mtime:ctime:inode, as `stamp` writes them.
        #expect(SourceCache.trusted("10:99.5:99.7:3", since: 100))
        #expect(!SourceCache.trusted("10:100.0:99.7:3", since: 100), "modified in the build's second")
        #expect(!SourceCache.trusted("10:99.0:100.2:3", since: 100), "changed in the build's second")
        #expect(!SourceCache.trusted("10:99.0:101.2:3", since: 100), "changed after the build started")
        #expect(!SourceCache.trusted("garbage", since: 100))
        // The loader puts the site settings' key before the file's stamp.
        #expect(SourceCache.trusted("0f3a|10:99.5:99.7:3", since: 100))
        #expect(!SourceCache.trusted("0f3a|10:100.5:99.7:3", since: 100))
    }
}
