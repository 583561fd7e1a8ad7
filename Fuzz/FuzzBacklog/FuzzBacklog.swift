import CompeContent
import CompeCore
import FuzzSupport

/// Fuzz target: the backlog parser (front matter, item headings, fields, checklists) on any
/// bytes. Nothing may crash or hang, and derived figures must stay consistent.
func fuzzBacklog(_ bytes: UnsafeRawBufferPointer) {
    let text = String(decoding: bytes, as: UTF8.self)
    var diags = Diagnostics()
    let file = BacklogParser(languages: ["ja", "en"]).parse(text, path: "fuzz.md", slug: "iteration-1", diags: &diags)
    if let iteration = file.iteration {
        for item in iteration.items {
            precondition(item.checklist.done <= item.checklist.total, "more checked items than items")
        }
    }
}

@main struct Main {
    static func main() { FuzzMain.run("FuzzBacklog", fuzzBacklog) }
}

#if FUZZING
/// The callback libFuzzer's own `main` (linked in by -sanitize=fuzzer) calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzBacklog(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
