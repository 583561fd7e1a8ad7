import CompeCore
import CompeStore
import Foundation
import NIOCore

/// The entry endpoint's multipart reader without a server: for the fuzzer (`Fuzz/FuzzMultipart`)
/// and its regression replays. Bodies are read exactly as a request's would be, with the
/// endpoint's limits and an upload policy allowing every kind, into a scratch upload store.
public final class MultipartProbe {
    private let uploads: UploadStore

    /// A probe whose staged uploads go under `directory`.
    public init(directory: URL) throws {
        uploads = try UploadStore(dataDirectory: directory)
    }

    /// Reads `body` in chunks of `chunkSize` bytes, then throws away whatever was staged.
    /// Returns the number of fields and files read, or why the body was rejected and how many
    /// bytes had been fed when it was.
    @discardableResult
    public func read(_ body: [UInt8], boundary: String, chunkSize: Int) -> (fields: Int, files: Int, rejected: String?, consumed: Int) {
        let policy = UploadPolicy(maxFiles: 5, maxFileMB: 1, types: FileKind.allCases)
        let receiver = MultipartReceiver(boundary: boundary, limits: FormLimits(), policy: policy, begin: { [uploads] in try uploads.begin() })
        defer { receiver.discardAll() }
        var offset = 0
        do {
            while offset < body.count {
                let end = min(body.count, offset + max(1, chunkSize))
                offset = end
                try receiver.feed(ByteBuffer(bytes: body[(end - min(end, max(1, chunkSize)))..<end]))
            }
            try receiver.finish()
            return (receiver.fields.count, receiver.files.count, nil, offset)
        } catch let failure as FormFailure {
            return (0, 0, "\(failure.error.problem)", offset)
        } catch {
            return (0, 0, "\(error)", offset)
        }
    }

    /// Files left in the scratch store's staging folder (0 after every `read`).
    public var stagedFiles: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: uploads.staging.path)) ?? []).count
    }
}
