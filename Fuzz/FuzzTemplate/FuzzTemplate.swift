import CompeContent
import CompeSite
import FuzzSupport

/// Fuzz target: a site's `page.mustache` override. A template swift-mustache accepts and
/// compe's byte renderer takes on must render to the same bytes with both; nothing may crash.
let context: TemplateContext = [
    "name": "Ada & <Bob>", "html": "<a href=\"x\">'&'</a>", "blank": "", "zero": 0, "flag": true, "off": false,
    "empty": [], "list": .objects([["name": "one"], ["name": "two", "flag": false]]), "words": .texts(["a", "b<"]),
    "obj": ["inner": ["name": "deep"], "name": "obj"], "bytes": .bytes(Array("<p>日本語</p>\n".utf8)),
]

func fuzzTemplate(_ bytes: UnsafeRawBufferPointer) {
    // Both parsers recurse once per nested section; thousands of levels would exhaust the stack
    // in swift-mustache before compe's renderer is reached.
    guard bytes.count <= 4096 else { return }
    let text = String(decoding: bytes, as: UTF8.self)
    let overrides = ["page": TemplateSource(path: "page.mustache", name: "page", text: text),
                     "contest_cards": TemplateSource(path: "contest_cards.mustache", name: "contest_cards", text: "{{name}}\n{{#words}}\n- {{.}}\n{{/words}}\n")]
    guard let theme = try? Theme(overrides: overrides), theme.usesFastRenderer else { return }
    let fast = theme.render("page", context)
    let reference = theme.renderWithSwiftMustache("page", context)
    precondition(fast == reference, "byte renderer differs from swift-mustache:\n\(fast.debugDescription)\n\(reference.debugDescription)")
}

@main struct Main {
    static func main() { FuzzMain.run("FuzzTemplate", fuzzTemplate) }
}

#if FUZZING
/// The callback libFuzzer's own `main` (linked in by -sanitize=fuzzer) calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzTemplate(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
