import CompeServer
import Foundation
import FuzzSupport

/// Fuzz target: the entry endpoint's streaming multipart reader. The first byte picks how the
/// body is cut into chunks (as the network would), the rest is the body with boundary
/// `fuzz-boundary`. Nothing may crash, and a rejected body must leave no staged file behind.
/// (libFuzzer runs one input at a time on one thread, hence the unguarded global.)
nonisolated(unsafe) let probe = try! MultipartProbe(directory: FileManager.default.temporaryDirectory
    .appendingPathComponent("compe-fuzz-multipart-\(getpid())"))

func fuzzMultipart(_ bytes: UnsafeRawBufferPointer) {
    guard let first = bytes.first else { return }
    let chunk = 1 + Int(first) * 7
    let body = Array(bytes.dropFirst())
    probe.read(body, boundary: "fuzz-boundary", chunkSize: chunk)
    precondition(probe.stagedFiles == 0, "a staged upload was left behind")
}

@main struct Main {
    static func main() { FuzzMain.run("FuzzMultipart", fuzzMultipart) }
}

#if FUZZING
/// The callback libFuzzer's own `main` (linked in by -sanitize=fuzzer) calls for each input.
@_cdecl("LLVMFuzzerTestOneInput")
public func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    fuzzMultipart(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#endif
