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
        precondition(ready)
        let flags = trust == .trusted ? trustedFlags : untrustedFlags
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return "" }
        return bytes.withUnsafeMutableBufferPointer { buffer -> String in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                guard let doc = mkd_string(chars, Int32(buffer.count), flags) else { return "" }
                defer { mkd_cleanup(doc) }
                guard mkd_compile(doc, flags) != 0 else { return "" }
                var out: UnsafeMutablePointer<CChar>?
                let length = mkd_document(doc, &out)
                guard length > 0, let out else { return "" }
                let html = out.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: Int(length)), as: UTF8.self)
                }
                return EastAsianLineBreaks.join(html)
            }
        }
    }
}
