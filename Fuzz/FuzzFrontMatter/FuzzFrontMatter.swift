import CompeContent
import CompeCore
import FuzzSupport

/// Fuzz target: the front-matter reader. Any bytes, decoded as a Markdown file, go through the
/// fence splitter, the YAML parser with positions, and the typed field accessors the loader
/// uses. Nothing may crash, hang or report a position outside the file.
func fuzzFrontMatter(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    // Lines as the reader counts them: "\r\n", "\r" and "\n" each end one.
    let lines = text.unicodeScalars.filter { $0 == "\n" }.count
        + text.replacingOccurrences(of: "\r\n", with: "\n").unicodeScalars.filter { $0 == "\r" }.count + 2
    switch FrontMatterDocument.split(text, path: "fuzz.md") {
    case .failure(let error):
        precondition(error.diagnostics.allSatisfy { $0.location.line <= lines }, "position outside the file")
    case .success(let doc):
        precondition(doc.bodyFirstLine >= 2 && doc.bodyFirstLine <= lines + 1)
        var diags = Diagnostics()
        let source = YAMLSource(path: "fuzz.md", lineOffset: doc.yamlLineOffset)
        guard let node = source.parse(doc.yaml, into: &diags),
              let fields = YAMLFields(node, source: source, context: "front matter", diags: &diags) else { return }
        fields.rejectUnknownKeys(allowed: ContentLoader.pageKeys, diags: &diags)
        _ = fields.string("title", required: true, diags: &diags)
        _ = fields.bool("draft", diags: &diags)
        _ = fields.int("weight", diags: &diags)
        _ = fields.stringList("languages", diags: &diags)
        _ = fields.localizedString("description", languages: ["ja", "en"], diags: &diags)
        _ = fields.sequence("criteria", diags: &diags)
        precondition(diags.all.allSatisfy { $0.location.line <= lines + 1 }, "position outside the file")
    }
}

@main struct Main {
    static func main() { FuzzMain.run("FuzzFrontMatter", fuzzFrontMatter) }
}

#if FUZZING
/// The callback libFuzzer's own `main` (linked in by -sanitize=fuzzer) calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzFrontMatter(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
