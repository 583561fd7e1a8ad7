import CompeCore
import CompeStore
import Foundation
import NIOCore

/// Limits on one multipart request, beyond the contest's upload policy.
struct FormLimits: Sendable {
    /// Most parts (fields and files) one request may have.
    var maxParts = 64
    /// Largest text field, in bytes.
    var maxFieldBytes = 64 * 1024
    /// Most bytes that may pass with no part boundary or header line completed (a huge header line).
    var maxBytesWithoutProgress = 64 * 1024
    /// Longest header line of a part (name and value), like a web server's header limit.
    var maxHeaderBytes = 8 * 1024
    /// Most header lines one part may have (a form part needs two or three).
    var maxHeadersPerPart = 16
    /// Most header bytes one part may have in all.
    var maxHeaderBytesPerPart = 16 * 1024
    /// Whether file parts are taken: an edit whose token comes only in the body may not send
    /// files, since nothing may be written before the token is checked.
    var filesAllowed = true
    /// What a file part is told when files are not taken: send the token first (an edit), or
    /// that the form takes no file at all (`EntryAPI.receiveFields`).
    var fileRefusal: FieldProblem = .tokenFirst
}

/// A file received in a form, staged in `Data/tmp/` and not yet committed.
struct ReceivedFile {
    /// Display name (cleaned; never used as a path).
    var name: String
    /// The staged bytes.
    var upload: StagedUpload
    /// Kind decided from the first bytes.
    var kind: FileKind

    /// As the entry service takes it.
    var staged: StagedFile { StagedFile(name: name, upload: upload, kind: kind.rawValue) }
}

/// Why a multipart body was rejected before it was fully read: the problem, and the field it
/// belongs to (`form` for the body as a whole). The status follows from the problem.
struct FormFailure: Error {
    var error: FieldError
    /// The store's error behind it, when writing failed (the disk full, say).
    var store: StoreError?

    init(_ problem: FieldProblem, field: String = "form", store: StoreError? = nil) {
        error = FieldError(field: field, problem: problem)
        self.store = store
    }
}

/// Receives a `multipart/form-data` body chunk by chunk with vapor/multipart-kit's streaming
/// parser (vendored with a fix, `Vendor/MultipartParser.swift`): text fields are kept (bounded), files are streamed to staged uploads while they are
/// hashed and counted. The body is never held in memory.
final class MultipartReceiver {
    private let parser: MultipartParser
    private let limits: FormLimits
    private let policy: UploadPolicy
    /// Starts a staged upload for a file part.
    private let begin: () throws -> StagedUpload

    /// Text fields by name.
    private(set) var fields: [String: String] = [:]
    /// Files in the order received.
    private(set) var files: [ReceivedFile] = []
    /// Finished resumable uploads the form names (`upload` fields, repeatable), in order.
    private(set) var uploadIDs: [String] = []
    /// Field-level problems found while reading (wrong type, empty file, …).
    private(set) var errors: [FieldError] = []
    /// True when some file's content is not an allowed type (answer 415).
    private(set) var unsupportedType = false

    private var failure: FormFailure?
    private var parts = 0
    private var bytesWithoutProgress = 0
    private var sawClosingPart = false
    private var current: Part?

    private struct Part {
        var headers: [(String, String)] = []
        var headerBytes = 0
        var started = false
        var name: String?
        var fileName: String?
        var text: [UInt8] = []
        var textOverflow = false
        var upload: StagedUpload?
        var ignored = false
    }

    init(boundary: String, limits: FormLimits, policy: UploadPolicy, begin: @escaping () throws -> StagedUpload) {
        parser = MultipartParser(boundary: boundary)
        self.limits = limits
        self.policy = policy
        self.begin = begin
        parser.onHeader = { [unowned self] name, value in self.header(name, value) }
        parser.onBody = { [unowned self] buffer in self.body(&buffer) }
        parser.onPartComplete = { [unowned self] in self.partComplete() }
    }

    /// A form that came as JSON (`EntryAPI.readJSONForm`): its fields and the uploads it names,
    /// with no file of its own; the same checks follow as for a multipart form.
    init(fields: [String: String], uploadIDs: [String], errors: [FieldError], policy: UploadPolicy) {
        parser = MultipartParser(boundary: "unused")
        limits = FormLimits()
        self.policy = policy
        begin = { throw FormFailure(.malformed) }
        self.fields = fields
        self.uploadIDs = uploadIDs
        self.errors = errors
        sawClosingPart = true
    }

    /// The boundary of a `multipart/form-data` Content-Type, or nil.
    static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let params = HeaderParameters(contentType)
        guard params.value.lowercased() == "multipart/form-data", let b = params["boundary"], !b.isEmpty, b.count <= 200 else { return nil }
        return b
    }

    /// Feeds the next chunk of the body.
    func feed(_ buffer: ByteBuffer) throws {
        let before = progressMarker
        do {
            try parser.execute(buffer)
        } catch {
            throw FormFailure(.malformed)
        }
        if let failure { throw failure }
        if progressMarker == before {
            bytesWithoutProgress += buffer.readableBytes
            if bytesWithoutProgress > limits.maxBytesWithoutProgress { throw FormFailure(.headerTooLarge) }
        } else {
            bytesWithoutProgress = 0
        }
    }

    /// Called when the body has ended; checks the body was complete.
    func finish() throws {
        if current != nil || !sawClosingPart || parts == 0 { throw FormFailure(.unterminated) }
    }

    /// Deletes every staged upload (rejected request).
    func discardAll() {
        for f in files { f.upload.discard() }
        current?.upload?.discard()
        files = []
    }

    private var progressCounter = 0
    private var progressMarker: Int { progressCounter }

    private func header(_ name: String, _ value: String) {
        progressCounter += 1
        guard failure == nil else { return }   // refused: the rest is not kept
        if current == nil {
            current = Part()
            parts += 1
            if parts > limits.maxParts { failure = FormFailure(.tooManyParts) }
        }
        let bytes = name.utf8.count + value.utf8.count
        current!.headerBytes += bytes
        if bytes > limits.maxHeaderBytes || current!.headers.count >= limits.maxHeadersPerPart
            || current!.headerBytes > limits.maxHeaderBytesPerPart {
            failure = FormFailure(.headerTooLarge)
            return
        }
        current!.headers.append((name.lowercased(), value))
    }

    private func startBodyIfNeeded() {
        guard var part = current, !part.started else { return }
        part.started = true
        let disposition = part.headers.first { $0.0 == "content-disposition" }.map { HeaderParameters($0.1) }
        guard let disposition, disposition.value.lowercased() == "form-data", let name = disposition["name"], !name.isEmpty else {
            failure = FormFailure(.malformed)
            current = part
            return
        }
        part.name = name
        part.fileName = disposition["filename*"].flatMap(HeaderParameters.decodeRFC5987) ?? disposition["filename"]
        if part.fileName != nil && name != "files" {
            errors.append(FieldError(field: name, problem: .unexpectedFile))
            part.ignored = true
        } else if part.fileName != nil && !limits.filesAllowed {
            failure = FormFailure(limits.fileRefusal, field: "files")
        }
        current = part
    }

    private func body(_ buffer: inout ByteBuffer) {
        progressCounter += 1
        if current == nil { current = Part(); parts += 1 }   // a part with no headers at all
        startBodyIfNeeded()
        guard failure == nil, var part = current, !part.ignored else { return }
        if part.fileName != nil {
            do {
                if part.upload == nil { part.upload = try begin() }
                let upload = part.upload!
                if upload.bytes + Int64(buffer.readableBytes) > policy.maxFileBytes {
                    failure = FormFailure(.fileTooLarge(name: displayName(part.fileName!), maxMB: policy.maxFileMB), field: "files")
                } else {
                    try buffer.withUnsafeReadableBytes { try upload.append($0) }
                }
            } catch let error as StoreError {
                failure = FormFailure(error.isDiskFull ? .diskFull : .malformed, store: error)
            } catch {
                failure = FormFailure(.malformed)
            }
        } else if !part.textOverflow {
            if part.text.count + buffer.readableBytes > limits.maxFieldBytes {
                part.textOverflow = true
                part.text = []
            } else {
                part.text.append(contentsOf: buffer.readableBytesView)
            }
        }
        current = part
    }

    private func partComplete() {
        progressCounter += 1
        startBodyIfNeeded()
        sawClosingPart = true
        guard let part = current else { return }
        current = nil
        guard failure == nil, !part.ignored, let name = part.name else {
            part.upload?.discard()
            return
        }
        if let rawName = part.fileName {
            guard let upload = part.upload, upload.bytes > 0 else {
                part.upload?.discard()
                if !rawName.isEmpty { errors.append(FieldError(field: "files", problem: .emptyFile(name: displayName(rawName)))) }
                return  // a file input left empty sends a part with no name and no bytes
            }
            let shown = displayName(rawName)
            guard let kind = FileKind.detect(upload.head), policy.types.contains(kind) else {
                upload.discard()
                unsupportedType = true
                errors.append(FieldError(field: "files", problem: .wrongType(name: shown, allowed: policy.types)))
                return
            }
            if files.count >= policy.maxFiles {
                upload.discard()
                errors.append(FieldError(field: "files", problem: .tooManyFiles(max: policy.maxFiles)))
                return
            }
            files.append(ReceivedFile(name: shown, upload: upload, kind: kind))
            return
        }
        if part.textOverflow {
            errors.append(FieldError(field: name, problem: .fieldTooLong))
            return
        }
        guard let text = String(validating: part.text, as: UTF8.self) else {
            errors.append(FieldError(field: name, problem: .invalidUTF8))
            return
        }
        if name == Self.uploadField {
            if uploadIDs.count >= policy.maxFiles {
                errors.append(FieldError(field: "files", problem: .tooManyFiles(max: policy.maxFiles)))
            } else {
                uploadIDs.append(text)
            }
            return
        }
        if fields[name] != nil {
            errors.append(FieldError(field: name, problem: .duplicateField))
            return
        }
        fields[name] = text
    }

    /// The field that names a finished resumable upload by its id.
    static let uploadField = "upload"

    private func displayName(_ raw: String) -> String {
        FileNames.display(raw, index: files.count + 1)
    }
}

/// File names as entrants' browsers send them, made safe to show (`FileName`: the same rule as
/// every other entrant text, bidi overrides and C1 controls included). They are labels only;
/// storage is by hash.
enum FileNames {
    static func display(_ raw: String, index: Int) -> String { FileName.clean(raw, fallback: "file-\(index)") }
}

/// A header value with `; key=value` parameters (`Content-Type`, `Content-Disposition`).
struct HeaderParameters {
    /// The part before the first `;`.
    var value: String
    private var params: [String: String] = [:]

    init(_ header: String) {
        // Split at `;` outside quotes, over the UTF-8 bytes: the delimiters are ASCII, and going
        // character by character (grapheme breaking, a String built per character) made this a
        // twentieth of the time of a whole small entry.
        var parts: [Substring] = []
        let bytes = header.utf8
        var start = bytes.startIndex, i = bytes.startIndex
        var inQuotes = false, escaped = false
        while i != bytes.endIndex {
            let byte = bytes[i]
            if escaped {
                escaped = false
            } else if inQuotes && byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                inQuotes.toggle()
            } else if byte == UInt8(ascii: ";") && !inQuotes {
                parts.append(Substring(bytes[start..<i]))
                start = bytes.index(after: i)
            }
            i = bytes.index(after: i)
        }
        parts.append(Substring(bytes[start..<i]))
        value = Self.trimmed(parts[0])
        for p in parts.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let key = Self.trimmed(p[..<eq]).lowercased()
            var v = Self.trimmed(p[p.index(after: eq)...])
            if v.hasPrefix("\"") && v.hasSuffix("\"") && v.count >= 2 {
                v = String(v.dropFirst().dropLast())
                if v.utf8.contains(UInt8(ascii: "\\")) {
                    v = v.replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
                }
            }
            if params[key] == nil { params[key] = v }
        }
    }

    subscript(key: String) -> String? { params[key] }

    /// Without leading and trailing spaces and tabs (Foundation's trimming is slow per header).
    static func trimmed<S: StringProtocol>(_ s: S) -> String {
        var sub = Substring(s)
        while let f = sub.first, f == " " || f == "\t" { sub.removeFirst() }
        while let l = sub.last, l == " " || l == "\t" { sub.removeLast() }
        return String(sub)
    }

    /// Decodes `UTF-8''na%C3%AFve.pdf` (RFC 5987).
    static func decodeRFC5987(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }
}
