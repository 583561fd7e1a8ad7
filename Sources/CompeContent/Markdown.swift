import CDiscount
import Foundation

/// Markdown to HTML through Discount, in one of two trust modes.
///
/// Discount keeps a little global state (its table of block-level tags), built on
/// first use. `Markdown` builds it exactly once, before the first render, so any
/// number of threads may then render at the same time; each render owns its own
/// Discount document. `MarkdownTests` runs this under ThreadSanitizer.
public enum Markdown {
    /// Whose text is being rendered.
    public enum Trust: Sendable {
        /// The app team's own content: tables, fenced code, footnotes, heading ids, raw HTML.
        case trusted
        /// Entrants' and judges' text: raw HTML shown as text, only http(s)/mailto links,
        /// no images, no pseudo-protocols, no class-injecting div quotes.
        case untrusted
    }

    /// Discount flags for team content.
    static let trustedFlags: mkd_flag_t =
        mkd_flag_t(MKD_FENCEDCODE) | mkd_flag_t(MKD_EXTRA_FOOTNOTE) | mkd_flag_t(MKD_TOC)
        | mkd_flag_t(MKD_IDANCHOR) | mkd_flag_t(MKD_GITHUBTAGS) | mkd_flag_t(MKD_AUTOLINK)
        | mkd_flag_t(MKD_NOHEADER) | mkd_flag_t(MKD_NOSUPERSCRIPT) | mkd_flag_t(MKD_URLENCODEDANCHOR)

    /// Discount flags for untrusted text: the issue's `MKD_NOHTML | MKD_SAFELINK | MKD_NO_EXT`,
    /// plus no images, no `>%class%` blocks and no pandoc header block.
    static let untrustedFlags: mkd_flag_t =
        mkd_flag_t(MKD_NOHTML) | mkd_flag_t(MKD_SAFELINK) | mkd_flag_t(MKD_NO_EXT)
        | mkd_flag_t(MKD_NOIMAGE) | mkd_flag_t(MKD_NODIVQUOTE) | mkd_flag_t(MKD_NOHEADER)
        | mkd_flag_t(MKD_NOSUPERSCRIPT) | mkd_flag_t(MKD_AUTOLINK)

    /// Runs Discount's one-time initialisation. Swift runs a global's initialiser once,
    /// thread-safely, so every caller that touches `ready` waits for it.
    private static let ready: Bool = {
        mkd_initialize()
        mkd_with_html5_tags()
        return true
    }()

    /// Renders Markdown to an HTML fragment. A line break between two Japanese characters
    /// is dropped rather than shown as a space (see `EastAsianLineBreaks`).
    public static func html(_ text: String, trust: Trust) -> String {
        String(decoding: htmlBytes(text, trust: trust), as: UTF8.self)
    }

    /// Whether Discount's autolinking could find anything in `text`: it links a bare word that
    /// starts with `http:`, `https:`, `news:`, `ftp:` or `mailto:` (any case) or holds an `@`.
    /// Text with none of those renders the same without the flag, and Discount's autolink scan
    /// (run at every letter, to the end of the word) is a large share of its time.
    static func mayAutolink(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress, !text.isEmpty else { return false }
        if memchr(base, Int32(UInt8(ascii: "@")), text.count) != nil { return true }
        var from = 0
        while from < text.count, let hit = memchr(base + from, Int32(UInt8(ascii: ":")), text.count - from) {
            let colon = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            from = colon + 1
            for scheme in autolinkSchemes where colon >= scheme.count {
                var same = true
                for (k, c) in scheme.enumerated() where text[colon - scheme.count + k] | 0x20 != c { same = false; break }
                if same { return true }
            }
        }
        return false
    }

    /// The schemes Discount autolinks (its `protocol[]` table, plus `mailto`), lower case.
    private static let autolinkSchemes: [[UInt8]] = ["http", "https", "news", "ftp", "mailto"].map { Array($0.utf8) }

    /// `html(_:trust:)` as UTF-8 bytes, for callers that write bytes (the site build): the
    /// HTML is not decoded into a String and encoded again.
    public static func htmlBytes(_ text: String, trust: Trust) -> [UInt8] {
        htmlBytes(text, trust: trust, autolinkAlways: false)
    }

    /// `autolinkAlways` keeps Discount's autolink flag on whatever the text (tests compare).
    static func htmlBytes(_ text: String, trust: Trust, autolinkAlways: Bool) -> [UInt8] {
        precondition(ready)
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return [] }
        var flags = trust == .trusted ? trustedFlags : untrustedFlags
        if !autolinkAlways, !bytes.withUnsafeBufferPointer(mayAutolink) { flags &= ~mkd_flag_t(MKD_AUTOLINK) }
        return bytes.withUnsafeMutableBufferPointer { buffer -> [UInt8] in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                guard let doc = mkd_string(chars, Int32(buffer.count), flags) else { return [] }
                defer { mkd_cleanup(doc) }
                guard mkd_compile(doc, flags) != 0 else { return [] }
                var out: UnsafeMutablePointer<CChar>?
                let length = mkd_document(doc, &out)
                guard length > 0, let out else { return [] }
                return out.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                    EastAsianLineBreaks.join(UnsafeBufferPointer(start: $0, count: Int(length)))
                }
            }
        }
    }
}
