import Foundation

/// One file the build will write, with what the link checker needs to point back at its source.
public struct OutputFile: Sendable {
    /// Path inside the output directory, e.g. `en/about/index.html`.
    public var path: String
    /// The file's bytes.
    public var contents: Data
    /// Where the page came from, when it is HTML from Markdown.
    public var origin: Origin?

    /// The source of a rendered page.
    public struct Origin: Sendable {
        /// Display path of the Markdown file.
        public var path: String
        /// The Markdown body.
        public var markdown: String
        /// Line of the body's first line in the file.
        public var bodyFirstLine: Int
        /// Template the page was rendered with.
        public var template: String
    }

    /// Creates an output file from text.
    public init(path: String, text: String, origin: Origin? = nil) {
        self.path = path
        self.contents = Data(text.utf8)
        self.origin = origin
    }

    /// Creates an output file from UTF-8 bytes.
    public init(path: String, bytes: [UInt8], origin: Origin? = nil) {
        self.path = path
        self.contents = Data(bytes)
        self.origin = origin
    }

    /// The output path of a URL path: `/en/about/` → `en/about/index.html`.
    public static func path(forURL url: String) -> String {
        var p = String(url.drop { $0 == "/" })
        if p.isEmpty || p.hasSuffix("/") { p += "index.html" }
        return p
    }
}
