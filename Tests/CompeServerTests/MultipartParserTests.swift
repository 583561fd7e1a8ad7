import CompeServer
import Foundation
import Testing

/// The multipart reader (multipart-kit's parser, vendored with a fix) on the shapes the fuzzer
/// found — non-ASCII bytes where a part header name is read, which trapped the original — cut
/// into chunks every way. Each is refused, none stops the process.
@Suite struct MultipartParserTests {
    let probe = try! MultipartProbe(directory: FileManager.default.temporaryDirectory
        .appendingPathComponent("compe-parser-test-\(UUID().uuidString)"))

    func accepted(_ body: [UInt8], boundary: String, cut: Int) -> Bool {
        probe.read(body, boundary: boundary, chunkSize: cut).rejected == nil
    }

    func body(_ parts: [UInt8]...) -> [UInt8] { parts.flatMap { $0 } }

    @Test func nonASCIIHeaderNamesAreRefusedWhereverTheBoundaryIs() throws {
        let boundary = "----WebKitFormBoundaryAbC"
        let bad: [UInt8] = Array("Content-Dispos".utf8) + [0x98] + Array("ition: form-data; name=\"x\"\r\n\r\nx\r\n".utf8)
        let shapes: [[UInt8]] = [
            body(Array("--\(boundary)\r\n".utf8), bad),                                         // first delimiter, no CRLF before
            body(Array("preamble\n--\(boundary)\r\n".utf8), bad),                               // preamble ending in a bare LF
            body(Array("x-\(boundary)\r\n".utf8), Array("--\(boundary)\r\n".utf8), bad),       // partial match, then the real one
            body(Array("---\(boundary)\r\n".utf8), bad),                                        // an extra dash before it
            body(Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nA\r\n--\(boundary)\r\n".utf8), bad),
            // A header value may hold bare LFs; the next header name starts after its CRLF.
            body(Array("--\(boundary)\r\nContent-Type: a\nb\r\n".utf8), Array("--x".utf8), [0xBB], Array(": y\r\n\r\n".utf8)),
        ]
        // And the reproducers the fuzzer saved.
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus/FuzzMultipart")
        for name in try FileManager.default.contentsOfDirectory(atPath: corpus.path) where name.hasPrefix("regression-") {
            let data = try [UInt8](Data(contentsOf: corpus.appendingPathComponent(name)))
            #expect(!accepted(Array(data.dropFirst()), boundary: "fuzz-boundary", cut: 1 + Int(data[0]) * 7), "\(name)")
        }
        for (i, shape) in shapes.enumerated() {
            for cut in [1, 2, 3, 7, 64, shape.count] {
                #expect(!accepted(shape, boundary: boundary, cut: cut), "shape \(i), chunks of \(cut)")
            }
        }
    }

    @Test func ordinaryBodiesPassIncludingUTF8ValuesAndEpilogues() {
        let boundary = "----WebKitFormBoundaryAbC"
        let ok = Array("""
        --\(boundary)\r
        Content-Disposition: form-data; name="title"\r
        \r
        デザイン — 本文 ----WebKit\r
        --\(boundary)\r
        Content-Disposition: form-data; name="files"; filename="案.pdf"\r
        Content-Type: application/pdf\r
        \r
        %PDF-1.4 \u{FF}\r
        --\(boundary)--\r
        エピローグ: 無視
        """.utf8)
        #expect(probe.read(ok, boundary: boundary, chunkSize: 3).files == 1)
        for cut in [1, 5, 13, ok.count] {
            #expect(accepted(ok, boundary: boundary, cut: cut), "chunks of \(cut)")
        }
    }
}
