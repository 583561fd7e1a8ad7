import CompeCore
import CompeServices
import Crypto
import CompeStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The tus 1.0 header names compe reads and writes.
enum TusHeader {
    static let resumable = HTTPField.Name("Tus-Resumable")!
    static let version = HTTPField.Name("Tus-Version")!
    static let extensions = HTTPField.Name("Tus-Extension")!
    static let maxSize = HTTPField.Name("Tus-Max-Size")!
    static let checksumAlgorithm = HTTPField.Name("Tus-Checksum-Algorithm")!
    static let length = HTTPField.Name("Upload-Length")!
    static let deferLength = HTTPField.Name("Upload-Defer-Length")!
    static let offset = HTTPField.Name("Upload-Offset")!
    static let metadata = HTTPField.Name("Upload-Metadata")!
    static let expires = HTTPField.Name("Upload-Expires")!
    static let checksum = HTTPField.Name("Upload-Checksum")!
    /// compe's own: the secret that makes an upload the client's (never in an address).
    static let key = HTTPField.Name("Compe-Upload-Key")!

    static let protocolVersion = "1.0.0"
    static let supported = "creation,creation-with-upload,expiration,termination,checksum"
    static let bodyType = "application/offset+octet-stream"
    /// What a browser on another allowed site may send and read.
    static let allowHeaders = "Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset, Upload-Checksum, Upload-Defer-Length, Compe-Upload-Key, Content-Type, Accept, Accept-Language"
    static let exposeHeaders = "Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, Upload-Offset, Upload-Length, Upload-Expires"
}

/// `Upload-Metadata`: comma-separated `key base64value` pairs (a key may have no value).
struct UploadMetadata {
    private(set) var values: [String: String] = [:]

    /// Nil when a pair is malformed (a value that is not base64 of UTF-8, a key used twice).
    init?(_ header: String?) {
        guard let header, !header.isEmpty else { return }
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let key = parts.first.map(String.init), !key.isEmpty, values[key] == nil else { return nil }
            if parts.count == 2 {
                guard let data = Data(base64Encoded: String(parts[1])), let text = String(data: data, encoding: .utf8) else { return nil }
                values[key] = text
            } else {
                values[key] = ""
            }
        }
    }

    subscript(key: String) -> String? { values[key] }
}

/// The tus 1.0 server of SPEC "Resumable uploads" at `{api}/uploads/`: discovery, creation
/// (with an upload in the same request), `HEAD`, `PATCH` with sha256 checksums, expiry and
/// termination. The rules (limits, durability, the kind by the bytes) are in
/// `ResumableUploadService`; here the headers are read and the body streamed.
extension EntryAPI {
    var resumable: ResumableUploadService { server.resumable }

    /// Headers every tus answer has: the protocol version, no caching, and for an allowed other
    /// site the CORS headers a browser needs to read them.
    func tusHeaders(_ request: Request, _ context: CompeRequestContext) -> HTTPFields {
        var h = HTTPFields()
        h[TusHeader.resumable] = TusHeader.protocolVersion
        h[.cacheControl] = "no-store"
        h[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if let origin = request.headers[.origin], origins.isCrossOriginAllowed(origin, host: requestHost(request, context)) {
            h[.accessControlAllowOrigin] = origin
            h[.accessControlExposeHeaders] = TusHeader.exposeHeaders
            h[.vary] = "Origin"
        }
        return h
    }

    /// A refusal: `{"errors":[{field, message}]}` in the request's language, the status of the
    /// problem, `Retry-After` when waiting helps, and `Tus-Version` when the version was wrong.
    func tusRefusal(_ problem: FieldProblem, field: String = "upload", _ request: Request, _ context: CompeRequestContext,
                    retryAfter: Int? = nil, close: Bool = false) -> Response {
        var h = tusHeaders(request, context)
        h[.contentType] = "application/json; charset=utf-8"
        if problem == .tusVersion { h[TusHeader.version] = TusHeader.protocolVersion }
        if let wait = retryAfter ?? ([.lowDisk, .diskFull].contains(problem) ? 300 : nil) { h[.retryAfter] = String(wait) }
        if close { h[.connection] = "close" }
        let messages = FormMessages(language: language(request, form: nil), timeZone: config.timeZone)
        let body = (try? JSONCoding.data(ErrorsJSON(errors: [.init(field: field, message: messages.text(problem))]))) ?? Data()
        if request.method != .head { metrics?.entryRefused(reason: problem.code) }
        return Response(status: ProblemStatus.of(problem), headers: h, body: request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The client's upload key: 16–200 visible ASCII characters, or nil.
    func uploadKey(_ request: Request) -> String? {
        guard let key = request.headers[TusHeader.key], (16...200).contains(key.utf8.count),
              key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return key
    }

    /// A whole number header (`Upload-Length`, `Upload-Offset`), or nil.
    func number(_ request: Request, _ name: HTTPField.Name) -> Int64? {
        guard let text = request.headers[name], !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(text)
    }

    /// Whether the request speaks tus 1.0.0.
    func speaksTus(_ request: Request) -> Bool { request.headers[TusHeader.resumable] == TusHeader.protocolVersion }

    /// The limits an upload for `contest` (and `stage`, a later stage's submission) goes by,
    /// or the problem: the contest or stage does not take files now.
    func uploadPolicy(_ contest: Contest, stage id: String?) async throws -> UploadPolicy {
        guard let id, id != contest.later.firstID else {
            if let refusal = try await phaseRefusal(contest) { throw UploadRefusal(refusal) }
            return contest.uploads
        }
        guard let stage = contest.stage(id), let policy = stage.submission.uploads else { throw UploadRefusal(.notShortlisted) }
        guard clock() < stage.closes else { throw UploadRefusal(.stageClosed(closes: stage.closes)) }
        return policy
    }

    // MARK: discovery

    /// `OPTIONS {api}/uploads/…`: what the server supports, and (for a browser on an allowed
    /// site) the CORS preflight answer.
    func uploadOptions(_ request: Request, _ context: CompeRequestContext) -> Response {
        var h = tusHeaders(request, context)
        h[TusHeader.version] = TusHeader.protocolVersion
        h[TusHeader.extensions] = TusHeader.supported
        h[TusHeader.checksumAlgorithm] = "sha256"
        if let largest = contests.values.flatMap({ [$0.uploads] + $0.stages.compactMap(\.submission.uploads) }).map(\.maxFileBytes).max() {
            h[TusHeader.maxSize] = String(largest)
        }
        if h[.accessControlAllowOrigin] != nil {
            h[.accessControlAllowMethods] = "POST, HEAD, PATCH, DELETE, OPTIONS"
            h[.accessControlAllowHeaders] = TusHeader.allowHeaders
            h[.accessControlMaxAge] = "600"
        }
        return Response(status: .noContent, headers: h)
    }

    // MARK: creation

    /// `POST {api}/uploads/`: a new upload of `Upload-Length` bytes for the contest named in
    /// `Upload-Metadata` (`contest`, `filename`, `filetype`, and `stage` for a later stage's
    /// files), refused at once when the contest would refuse the file; with a body
    /// (`creation-with-upload`), its first bytes too.
    func createUpload(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        guard speaksTus(request) else { return tusRefusal(.tusVersion, request, context, close: true) }
        guard origins.permits(origin: request.headers[.origin], host: requestHost(request, context)) else {
            return tusRefusal(.crossOrigin, request, context, close: true)
        }
        guard let key = uploadKey(request) else { return tusRefusal(.uploadKeyMissing, field: "Compe-Upload-Key", request, context, close: true) }
        guard request.headers[TusHeader.deferLength] == nil, let length = number(request, TusHeader.length) else {
            return tusRefusal(.uploadHeader(name: "Upload-Length"), field: "Upload-Length", request, context, close: true)
        }
        guard let metadata = UploadMetadata(request.headers[TusHeader.metadata]) else {
            return tusRefusal(.malformed, field: "Upload-Metadata", request, context, close: true)
        }
        guard let slug = metadata["contest"], let contest = contests[slug] else {
            return tusRefusal(.unknownContest, field: "contest", request, context, close: true)
        }
        let policy: UploadPolicy
        do {
            policy = try await uploadPolicy(contest, stage: metadata["stage"])
        } catch let refusal as UploadRefusal {
            return tusRefusal(refusal.problem, request, context, close: true)
        }
        if diskIsShort() { return tusRefusal(.lowDisk, request, context, close: true) }
        let upload: ResumableUpload
        do {
            upload = try await resumable.create(contest: slug, policy: policy, client: clientKey(context), ownerKey: key, length: length,
                                                filename: metadata["filename"] ?? "", filetype: metadata["filetype"], now: clock())
        } catch let refusal as UploadRefusal {
            return tusRefusal(refusal.problem, field: "files", request, context, retryAfter: refusal.retryAfter, close: true)
        } catch let error as StoreError where error.isDiskFull {
            logger.error("the data disk is full: an upload could not be created", metadata: ["error": "\(error)"])
            return tusRefusal(.diskFull, request, context, close: true)
        }
        metrics?.resumableUpload(.started)
        logger.info("upload created", metadata: ["upload": "\(upload.id)", "contest": "\(slug)", "bytes": "\(length)"])
        let path = request.uri.path
        var created = tusHeaders(request, context)
        created[.location] = (path.hasSuffix("/") ? path : path + "/") + upload.id
        created[TusHeader.expires] = Validators.httpDate(upload.expiresAt)
        if request.headers[.contentType] == TusHeader.bodyType {
            switch await receive(request, context, into: upload, policy: policy) {
            case .success(let offset):
                created[TusHeader.offset] = String(offset)
            case .failure(let refusal) where refusal.problem.isWrongType || refusal.problem == .checksumMismatch:
                // The file is not one the contest takes (the upload is gone), or the body did
                // not match its checksum (the upload stays, empty): said as for a PATCH.
                return tusRefusal(refusal.problem, request, context, close: true)
            case .failure:
                break   // cut off: the upload exists, and the client finds its offset with HEAD
            }
        }
        return Response(status: .created, headers: created)
    }

    // MARK: HEAD, PATCH, DELETE

    /// The upload the request's address and key name, or the answer: 404 (unknown, another
    /// client's, used) or 410 (expired).
    func namedUpload(_ request: Request, _ context: CompeRequestContext) async throws -> ResumableUpload {
        guard speaksTus(request) else { throw Refused(response: tusRefusal(.tusVersion, request, context, close: request.method == .patch)) }
        let id = context.parameters.get("id") ?? ""
        do {
            guard let upload = try await resumable.upload(id: id, ownerKey: uploadKey(request), now: clock()) else {
                throw Refused(response: tusRefusal(.notFound, request, context, close: request.method == .patch))
            }
            return upload
        } catch let refusal as UploadRefusal {
            metrics?.resumableUpload(.expired)
            throw Refused(response: tusRefusal(refusal.problem, request, context, close: request.method == .patch))
        }
    }

    /// `HEAD {api}/uploads/{id}`: how many bytes are acknowledged, the length, the expiry.
    func uploadHead(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        let upload: ResumableUpload
        do { upload = try await namedUpload(request, context) } catch let refused as Refused { return refused.response }
        var h = tusHeaders(request, context)
        h[TusHeader.offset] = String(upload.received)
        h[TusHeader.length] = String(upload.length)
        h[TusHeader.expires] = Validators.httpDate(upload.expiresAt)
        return Response(status: .ok, headers: h)
    }

    /// `PATCH {api}/uploads/{id}`: bytes from `Upload-Offset` on, made durable before they are
    /// acknowledged; the last ones complete the upload (its kind checked by its bytes).
    func uploadPatch(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        guard speaksTus(request) else { return tusRefusal(.tusVersion, request, context, close: true) }
        guard request.headers[.contentType] == TusHeader.bodyType else {
            return tusRefusal(.uploadContentType, field: "Content-Type", request, context, close: true)
        }
        guard let offset = number(request, TusHeader.offset) else {
            return tusRefusal(.uploadHeader(name: "Upload-Offset"), field: "Upload-Offset", request, context, close: true)
        }
        let upload: ResumableUpload
        do { upload = try await namedUpload(request, context) } catch let refused as Refused { return refused.response }
        guard offset == upload.received, !upload.isComplete else {
            return tusRefusal(.offsetMismatch(expected: upload.received), request, context, close: true)
        }
        guard let contest = contests[upload.contest] else { return tusRefusal(.unknownContest, request, context, close: true) }
        if diskIsShort() { return tusRefusal(.lowDisk, request, context, close: true) }
        let policy = [contest.uploads] + contest.stages.compactMap(\.submission.uploads)
        let widest = UploadPolicy(maxFiles: 1, maxFileMB: policy.map(\.maxFileMB).max() ?? 0, types: Array(Set(policy.flatMap(\.types))))
        if upload.received > 0 { metrics?.resumableUpload(.resumed) }
        switch await receive(request, context, into: upload, policy: widest) {
        case .success(let offset):
            var h = tusHeaders(request, context)
            h[TusHeader.offset] = String(offset)
            h[TusHeader.expires] = Validators.httpDate(upload.expiresAt)
            return Response(status: .noContent, headers: h)
        case .failure(let refusal):
            return tusRefusal(refusal.problem, request, context, retryAfter: refusal.retryAfter, close: true)
        }
    }

    /// `DELETE {api}/uploads/{id}`: the upload and its bytes are removed (termination).
    func uploadDelete(_ request: Request, _ context: CompeRequestContext) async throws -> Response {
        guard speaksTus(request) else { return tusRefusal(.tusVersion, request, context) }
        guard origins.permits(origin: request.headers[.origin], host: requestHost(request, context)) else {
            return tusRefusal(.crossOrigin, request, context)
        }
        let upload: ResumableUpload
        do { upload = try await namedUpload(request, context) } catch let refused as Refused { return refused.response }
        try await resumable.remove(upload.id)
        logger.info("upload terminated", metadata: ["upload": "\(upload.id)"])
        return Response(status: .noContent, headers: tusHeaders(request, context))
    }

    /// Streams a `PATCH` (or creation) body into `upload` from its acknowledged offset: charged
    /// to the client's hourly budget as it arrives, checkpointed (synced and acknowledged) every
    /// `checkpointBytes` unless a checksum covers the whole body, and acknowledged at the end;
    /// a body cut off by the network keeps what arrived (without a checksum). The last bytes
    /// complete the upload. Returns the acknowledged offset, or the refusal.
    func receive(_ request: Request, _ context: CompeRequestContext, into upload: ResumableUpload,
                 policy: UploadPolicy) async -> Result<Int64, UploadRefusal> {
        var expected: (digest: Data, hasher: SHA256)?
        if let header = request.headers[TusHeader.checksum] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "sha256", let digest = Data(base64Encoded: String(parts[1])), digest.count == 32 else {
                return .failure(UploadRefusal(.checksumAlgorithm))
            }
            expected = (digest, SHA256())
        }
        if let declared = request.headers[.contentLength].flatMap(Int64.init), upload.received + declared > upload.length {
            return .failure(UploadRefusal(.pastUploadLength))
        }
        let writer: ResumableWriter
        do {
            guard let w = try await resumable.writer(for: upload) else { return .failure(UploadRefusal(.notFound)) }
            writer = w
        } catch {
            logger.error("an upload's file could not be opened", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
            return .failure(UploadRefusal(.lowDisk, retryAfter: 60))
        }
        defer { writer.closeFile() }
        let start = upload.received
        var acknowledged = start
        let client = clientKey(context)
        func refuse(_ problem: FieldProblem, retryAfter: Int? = nil) -> Result<Int64, UploadRefusal> {
            writer.rollBack(to: acknowledged)
            return .failure(UploadRefusal(problem, retryAfter: retryAfter))
        }
        do {
            for try await chunk in request.body {
                let count = Int64(chunk.readableBytes)
                if writer.offset + count > upload.length { return refuse(.pastUploadLength) }
                if let (scope, wait) = budgets.take(count, client: client) {
                    _ = try? await resumable.acknowledge(writer, upload: upload, from: acknowledged)
                    return .failure(UploadRefusal(scope == .client ? .clientUploadBudget : .totalUploadBudget, retryAfter: wait))
                }
                let written = try chunk.withUnsafeReadableBytes { bytes -> Bool in
                    expected?.hasher.update(bufferPointer: bytes)
                    return try writer.append(bytes)
                }
                guard written else { return .failure(UploadRefusal(.offsetMismatch(expected: writer.offset))) }   // taken over
                if expected == nil, writer.offset - acknowledged >= resumable.settings.checkpointBytes {
                    guard try await resumable.acknowledge(writer, upload: upload, from: acknowledged) else {
                        return .failure(UploadRefusal(.offsetMismatch(expected: acknowledged)))
                    }
                    acknowledged = writer.offset
                }
            }
        } catch let error as StoreError where error.isDiskFull {
            logger.error("the data disk is full: an upload stopped", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
            return refuse(.diskFull)
        } catch {
            // The connection broke or was too slow: what arrived is kept (unless a checksum was
            // to cover the whole body), and the client resumes from there.
            if expected == nil, (try? await resumable.acknowledge(writer, upload: upload, from: acknowledged)) == true {
                logger.info("upload interrupted; its bytes so far are kept", metadata: ["upload": "\(upload.id)", "offset": "\(writer.offset)"])
                return .failure(UploadRefusal(error is ConnectionGuard.SlowBody ? .tooSlow : .unterminated))
            }
            return refuse(error is ConnectionGuard.SlowBody ? .tooSlow : .unterminated)
        }
        if let expected, Data(expected.hasher.finalize()) != expected.digest { return refuse(.checksumMismatch) }
        do {
            guard try await resumable.acknowledge(writer, upload: upload, from: acknowledged) else {
                return .failure(UploadRefusal(.offsetMismatch(expected: acknowledged)))
            }
            guard writer.offset == upload.length else { return .success(writer.offset) }
            var current = upload
            current.received = writer.offset
            _ = try await resumable.complete(writer, upload: current, policy: policy, now: clock())
            metrics?.resumableUpload(.finished)
            logger.info("upload finished", metadata: ["upload": "\(upload.id)", "bytes": "\(upload.length)"])
            return .success(writer.offset)
        } catch let refusal as UploadRefusal {
            return .failure(refusal)
        } catch let error as StoreError where error.isDiskFull {
            return refuse(.diskFull)
        } catch let error as StoreError where error.isUnavailable {
            return refuse(.lowDisk, retryAfter: 30)
        } catch {
            logger.error("an upload could not be acknowledged", metadata: ["upload": "\(upload.id)", "error": "\(error)"])
            return refuse(.lowDisk, retryAfter: 30)
        }
    }
}
