import CLinux
import CompeSite
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOPosix
import Synchronization

/// The built site's folder, opened once. Every file is opened relative to it with
/// `openat2(RESOLVE_BENEATH)`, so no request (and no symbolic link inside `Public/`) reaches a
/// file outside it.
final class PublicDirectory: Sendable {
    /// The folder.
    let url: URL
    private let fd: Int32

    /// Opens `url` (which must exist).
    init(_ url: URL) throws {
        self.url = url
        fd = Glibc.open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: url.path]) }
    }

    deinit { close(fd) }

    /// A file under the folder, with its metadata; nil when it does not exist or is not
    /// reachable without leaving the folder.
    func open(_ relative: String) -> OpenFile? {
        let path = relative.isEmpty ? "." : relative
        var descriptor = compe_open_beneath(fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        if descriptor < 0 && errno == ENOSYS { descriptor = openChecked(path) }
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            close(descriptor)
            return nil
        }
        return OpenFile(fd: descriptor, info: info)
    }

    /// Kernels without openat2: open, then refuse a file whose real path is outside the folder.
    private func openChecked(_ relative: String) -> Int32 {
        let descriptor = openat(fd, relative, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard descriptor >= 0 else { return -1 }
        let root = url.resolvingSymlinksInPath().path
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")) ?? ""
        guard real == root || real.hasPrefix(root + "/") else {
            close(descriptor)
            errno = EXDEV
            return -1
        }
        return descriptor
    }

    /// `lstat` of `relative` below the folder (no link followed); false when it does not exist.
    func lstat(_ relative: String, _ info: inout stat) -> Bool {
        fstatat(fd, relative.isEmpty ? "." : relative, &info, AT_SYMLINK_NOFOLLOW) == 0
    }

    /// The whole of a small file (the live-reload server's HTML pages).
    func contents(_ relative: String) -> Data? {
        guard let file = open(relative), file.isRegular else { return nil }
        defer { file.close() }
        return file.read(0, count: Int(file.info.st_size)).map { Data(buffer: $0) }
    }
}

/// An open file and its `stat`.
struct OpenFile: @unchecked Sendable {
    let fd: Int32
    let info: stat

    var isRegular: Bool { (info.st_mode & S_IFMT) == S_IFREG }
    var isDirectory: Bool { (info.st_mode & S_IFMT) == S_IFDIR }
    var size: Int { Int(info.st_size) }
    var modified: Date {
        Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
    }

    func close() { Glibc.close(fd) }

    /// `count` bytes from `offset` (fewer at the end of the file); nil on a read error.
    func read(_ offset: Int, count: Int) -> ByteBuffer? {
        var buffer = ByteBufferAllocator().buffer(capacity: count)
        var done = 0
        while done < count {
            let n = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count - done) { raw in
                pread(fd, raw.baseAddress, count - done, off_t(offset + done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return nil }
            if n == 0 { break }
            done += n
        }
        return buffer
    }
}

/// Serves the built site: clean URLs (`/about/` → `about/index.html`, `/about` → 301 to
/// `/about/`), the build's `.gz` copies to clients that accept gzip (`Vary: Accept-Encoding`),
/// strong `ETag`s and `304`, `Cache-Control` (`immutable` for fingerprinted stylesheets and
/// scripts, `no-cache` for the rest, so a rebuild is seen at once), and byte ranges as RFC 9110
/// says: one range served as `206`, an unsatisfiable one `416` with `Content-Range: bytes */size`,
/// several ranges answered with the whole file. Paths under the API are left to the router.
///
/// Small files are kept in memory with their headers and checked against the disk by one
/// `fstatat` per request (inode, size, modification time): a file the build replaced is read
/// again at once.
struct PublicFiles<Context: RequestContext>: RouterMiddleware {
    let directory: PublicDirectory
    let cache: FileCache
    /// Path prefixes answered by routes, never by files.
    let routed: [String]

    init(directory: PublicDirectory, routed: [String]) {
        self.directory = directory
        self.routed = routed
        cache = FileCache(directory: directory)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard request.method == .get || request.method == .head, !routed.contains(where: { path.hasPrefix($0) }),
              let decoded = path.contains("%") ? path.removingPercentEncoding : path, decoded.hasPrefix("/") else {
            return try await next(request, context)
        }
        var relative = String(decoded.dropFirst())
        if relative.isEmpty || relative.hasSuffix("/") { relative += "index.html" }
        let takesGzip = AcceptEncoding.allowsGzip(request.headers[.acceptEncoding])
        switch cache.lookup(relative, gzip: takesGzip) {
        case .missing:
            return try await next(request, context)
        case .directory:
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return Response(status: .movedPermanently, headers: [.location: path + "/" + query])
        case .cached(let file):
            return respond(request, file, takesGzip: takesGzip)
        case .large(let file):
            return respondStreaming(request, file: file, name: relative)
        }
    }

    /// An answer from memory.
    func respond(_ request: Request, _ file: CachedFile, takesGzip: Bool) -> Response {
        let answer = Self.answer(method: request.method, headers: request.headers, file: file, takesGzip: takesGzip)
        return Response(status: answer.status, headers: answer.headers, body: answer.body.map { .init(byteBuffer: $0) } ?? .init())
    }

    /// The answer to a GET or HEAD for a file in memory: the `.gz` copy when the client takes
    /// gzip (never for a range), `304` when a validator matches, one range as `206`, an
    /// unsatisfiable one as `416`, else `200`. One rule for the application and the fast path.
    /// `takesGzip`: what the request's `Accept-Encoding` says (`AcceptEncoding.allowsGzip`).
    static func answer(method: HTTPRequest.Method, headers request: HTTPFields, file: CachedFile, takesGzip: Bool)
        -> (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer?) {
        let gzip = takesGzip && file.gzip != nil && (method == .get || method == .head) && request[.range] == nil
        var headers = gzip ? file.gzipHeaders : file.headers
        let etag = gzip ? file.gzipETag : file.etag
        if Validators.notModified(request, etag: etag, modified: file.modified) {
            headers[.contentLength] = nil
            headers[.contentEncoding] = nil
            return (.notModified, headers, nil)
        }
        if method == .head { return (.ok, headers, nil) }
        if !gzip, let header = request[.range], Validators.rangeApplies(request[.ifRange], etag: etag, modified: file.modified) {
            switch ByteRange.parse(header, size: file.body.readableBytes) {
            case .whole: break
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(file.body.readableBytes)"
                headers[.contentLength] = "0"
                return (.rangeNotSatisfiable, headers, nil)
            case .part(let part):
                headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound - 1)/\(file.body.readableBytes)"
                headers[.contentLength] = String(part.count)
                return (.partialContent, headers, file.body.getSlice(at: file.body.readerIndex + part.lowerBound, length: part.count) ?? ByteBuffer())
            }
        }
        return (.ok, headers, gzip ? file.gzip ?? file.body : file.body)
    }

    /// A file too large to keep in memory, streamed from disk.
    func respondStreaming(_ request: Request, file: OpenFile, name: String) -> Response {
        var headers = HTTPFields()
        let etag = Validators.etag(size: file.size, modified: file.modified)
        headers[.eTag] = etag
        headers[.lastModified] = Validators.httpDate(file.modified)
        headers[.acceptRanges] = "bytes"
        headers[.contentType] = MediaTypes.forPath(name)
        headers[.cacheControl] = AssetNames.isImmutable(name) ? "public, max-age=31536000, immutable" : "no-cache"
        if Validators.notModified(request.headers, etag: etag, modified: file.modified) {
            file.close()
            return Response(status: .notModified, headers: headers)
        }
        var range = 0..<file.size
        var status = HTTPResponse.Status.ok
        if request.method == .get, let header = request.headers[.range],
           Validators.rangeApplies(request.headers[.ifRange], etag: etag, modified: file.modified) {
            switch ByteRange.parse(header, size: file.size) {
            case .whole: break
            case .unsatisfiable:
                file.close()
                headers[.contentRange] = "bytes */\(file.size)"
                headers[.contentLength] = "0"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            case .part(let part):
                range = part
                status = .partialContent
                headers[.contentRange] = "bytes \(part.lowerBound)-\(part.upperBound - 1)/\(file.size)"
            }
        }
        headers[.contentLength] = String(range.count)
        guard request.method == .get else {
            file.close()
            return Response(status: status, headers: headers)
        }
        return Response(status: status, headers: headers, body: file.body(range))
    }
}

/// Small files of the built site, in memory with their answer's headers.
final class FileCache: Sendable {
    /// Files up to this size are kept.
    static let maxFile = 1 << 20
    /// At most this much is kept in all (then the cache starts over).
    static let maxTotal = 64 << 20

    enum Lookup {
        case missing, directory
        case cached(CachedFile)
        case large(OpenFile)
    }

    private let directory: PublicDirectory
    private let state = Mutex<(files: [String: CachedFile], bytes: Int)>(([:], 0))

    init(directory: PublicDirectory) { self.directory = directory }

    /// The file at `relative`, from memory when its stamp still matches the disk's. The `.gz`
    /// copy's stamp is checked only for a client that takes gzip (`gzip`), so a plain request
    /// costs one `fstatat`.
    func lookup(_ relative: String, gzip: Bool = true) -> Lookup {
        var info = stat()
        let found = directory.lstat(relative, &info)
        if found, (info.st_mode & S_IFMT) == S_IFREG, let hit = state.withLock({ $0.files[relative] }), hit.stamp == Stamp(info),
           !gzip || hit.gzipStamp == gzipStamp(relative, hit) {
            return .cached(hit)
        }
        // Not cached, changed, a folder or a link: opened beneath Public/ (links must stay inside it).
        guard let file = directory.open(relative) else { return .missing }
        if file.isDirectory {
            file.close()
            return .directory
        }
        guard file.isRegular else {
            file.close()
            return .missing
        }
        guard file.size <= Self.maxFile, (info.st_mode & S_IFMT) == S_IFREG, let loaded = load(relative, file) else { return .large(file) }
        state.withLock { s in
            if s.bytes + loaded.size > Self.maxTotal { s = ([:], 0) }
            s.bytes += loaded.size - (s.files[relative]?.size ?? 0)
            s.files[relative] = loaded
        }
        return .cached(loaded)
    }

    /// The stamp of `relative`'s `.gz` copy, when it is kept with the file (nil: none).
    private func gzipStamp(_ relative: String, _ file: CachedFile) -> Stamp? {
        guard file.gzipStamp != nil else { return nil }
        var info = stat()
        return directory.lstat(relative + ".gz", &info) && (info.st_mode & S_IFMT) == S_IFREG ? Stamp(info) : nil
    }

    private func load(_ relative: String, _ file: OpenFile) -> CachedFile? {
        defer { file.close() }
        guard let body = file.read(0, count: file.size), body.readableBytes == file.size else { return nil }
        var gzip: (ByteBuffer, Stamp)?
        if Compression.isCompressible(relative), let gz = directory.open(relative + ".gz") {
            defer { gz.close() }
            if gz.isRegular, gz.size < file.size, let bytes = gz.read(0, count: gz.size) { gzip = (bytes, Stamp(gz.info)) }
        }
        return CachedFile(relative, body: body, stamp: Stamp(file.info), modified: file.modified, gzip: gzip)
    }
}

/// What identifies a file's version on disk.
struct Stamp: Equatable, Sendable {
    let device: UInt64, inode: UInt64, size: Int64, seconds: Int, nanoseconds: Int

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        seconds = info.st_mtim.tv_sec
        nanoseconds = info.st_mtim.tv_nsec
    }
}

/// A file in memory, with the headers of its answers.
struct CachedFile: Sendable {
    let body: ByteBuffer
    let gzip: ByteBuffer?
    let stamp: Stamp
    let gzipStamp: Stamp?
    let modified: Date
    let etag: String
    let gzipETag: String
    let headers: HTTPFields
    let gzipHeaders: HTTPFields
    var size: Int { body.readableBytes + (gzip?.readableBytes ?? 0) }

    init(_ relative: String, body: ByteBuffer, stamp: Stamp, modified: Date, gzip: (ByteBuffer, Stamp)?) {
        self.body = body
        self.gzip = gzip?.0
        self.stamp = stamp
        gzipStamp = gzip?.1
        self.modified = modified
        let digest = SHA256.hash(data: body.readableBytesView).prefix(12).map { String(format: "%02x", $0) }.joined()
        etag = "\"\(digest)\""
        gzipETag = "\"\(digest)-gz\""
        var h = HTTPFields()
        h[.contentType] = MediaTypes.forPath(relative)
        h[.lastModified] = Validators.httpDate(modified)
        h[.cacheControl] = AssetNames.isImmutable(relative) ? "public, max-age=31536000, immutable" : "no-cache"
        h[.acceptRanges] = "bytes"
        if gzip != nil { h[.vary] = "Accept-Encoding" }
        var plain = h
        plain[.eTag] = etag
        plain[.contentLength] = String(body.readableBytes)
        headers = plain
        var zipped = h
        zipped[.eTag] = gzipETag
        zipped[.contentEncoding] = "gzip"
        zipped[.contentLength] = String(gzip?.0.readableBytes ?? 0)
        gzipHeaders = zipped
    }
}

/// Reads `Accept-Encoding`.
enum AcceptEncoding {
    /// Whether the client takes gzip (listed, or `*`, without `q=0`).
    static func allowsGzip(_ header: String?) -> Bool {
        guard let header, !header.isEmpty else { return false }
        // Over the bytes: this runs for every request of a busy server, and `lowercased()`,
        // `trimmingCharacters` and friends were a tenth of a gzip answer's time.
        var gzip: Double?, any: Double?
        for item in header.utf8.split(separator: UInt8(ascii: ",")) {
            let parts = item.split(separator: UInt8(ascii: ";"))
            guard let first = parts.first else { continue }
            let name = trimmed(first)
            var q = 1.0
            for parameter in parts.dropFirst() {
                let kv = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1)
                if kv.count == 2, same(trimmed(kv[0]), "q") { q = Double(String(decoding: trimmed(kv[1]), as: UTF8.self)) ?? 0 }
            }
            if same(name, "gzip") || same(name, "x-gzip") { gzip = q } else if same(name, "*") { any = q }
        }
        return (gzip ?? any ?? 0) > 0
    }

    private static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        let blank: (UInt8) -> Bool = { $0 == 32 || $0 == 9 }
        guard let from = bytes.firstIndex(where: { !blank($0) }), let to = bytes.lastIndex(where: { !blank($0) }) else { return bytes[bytes.endIndex...] }
        return bytes[from...to]
    }

    /// Whether `bytes` spell `word` (lowercase ASCII), ignoring case.
    private static func same(_ bytes: Substring.UTF8View, _ word: StaticString) -> Bool {
        guard bytes.count == word.utf8CodeUnitCount else { return false }
        var i = 0
        for byte in bytes {
            let lower = byte >= 65 && byte <= 90 ? byte + 32 : byte
            if lower != word.utf8Start[i] { return false }
            i += 1
        }
        return true
    }
}

extension OpenFile {
    /// The bytes of `range` as a response body: read at once when small, else streamed in
    /// chunks off the event loop. The file is closed when the body is done.
    func body(_ range: Range<Int>) -> ResponseBody {
        let chunk = 256 * 1024
        if range.count <= chunk {
            defer { close() }
            guard let bytes = read(range.lowerBound, count: range.count) else {
                return ResponseBody { _ in throw HTTPError(.internalServerError) }   // the connection is cut, not answered short
            }
            return .init(byteBuffer: bytes)
        }
        return ResponseBody(contentLength: range.count) { writer in
            defer { close() }
            var offset = range.lowerBound
            while offset < range.upperBound {
                let (at, count) = (offset, min(chunk, range.upperBound - offset))
                guard let bytes = try await NIOThreadPool.singleton.runIfActive({ read(at, count: count) }), bytes.readableBytes > 0 else {
                    throw HTTPError(.internalServerError)
                }
                try await writer.write(bytes)
                offset += bytes.readableBytes
            }
            try await writer.finish(nil)
        }
    }
}

/// A `Range` header against a file of `size` bytes (RFC 9110 §14).
enum ByteRange: Equatable {
    /// Serve the whole file (no usable range, or several ranges).
    case whole
    /// One satisfiable range.
    case part(Range<Int>)
    /// A well-formed range that selects nothing (416).
    case unsatisfiable

    static func parse(_ header: String, size: Int) -> ByteRange {
        let value = header.trimmingCharacters(in: .whitespaces)
        guard value.lowercased().hasPrefix("bytes=") else { return .whole }
        let specs = value.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false)
        guard specs.count == 1 else { return .whole }
        let spec = specs[0].trimmingCharacters(in: .whitespaces)
        guard let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        let digits = { (s: Substring) in !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber } }
        if first.isEmpty {
            guard digits(last) else { return .whole }
            guard let n = Int(last), n > 0, size > 0 else { return .unsatisfiable }   // bytes=-0
            return .part(max(0, size - n)..<size)
        }
        guard digits(first), let start = Int(first) else { return .whole }
        if last.isEmpty {
            return start < size ? .part(start..<size) : .unsatisfiable
        }
        guard digits(last), let end = Int(last) else { return .whole }
        guard end >= start else { return .whole }   // invalid: ignored
        return start < size ? .part(start..<(min(end, size - 1) + 1)) : .unsatisfiable
    }
}

/// Validators of a file: a weak `ETag` from its size and modification time, `Last-Modified`.
enum Validators {
    static func etag(size: Int, modified: Date) -> String {
        "W/\"\(String(size, radix: 16))-\(String(Int64(modified.timeIntervalSince1970 * 1_000_000), radix: 16))\""
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }

    static func parseHTTPDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }

    /// `If-None-Match` (weak comparison) or, without it, `If-Modified-Since`.
    static func notModified(_ headers: HTTPFields, etag: String, modified: Date) -> Bool {
        let matches = headers[values: .ifNoneMatch].flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        if !matches.isEmpty {
            let opaque = { (tag: String) in tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag }
            return matches.contains { $0 == "*" || opaque($0) == opaque(etag) }
        }
        if let since = headers[.ifModifiedSince].flatMap(parseHTTPDate) {
            return modified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
        }
        return false
    }

    /// Whether a `Range` applies given `If-Range`: a weak ETag never matches (RFC 9110
    /// §13.1.5), a date must equal `Last-Modified`.
    static func rangeApplies(_ ifRange: String?, etag: String, modified: Date) -> Bool {
        guard let ifRange = ifRange?.trimmingCharacters(in: .whitespaces) else { return true }
        if ifRange.hasPrefix("\"") { return !etag.hasPrefix("W/") && ifRange == etag }
        return ifRange == httpDate(modified)
    }
}

/// Content types by file extension.
enum MediaTypes {
    static let byExtension: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8", "json": "application/json",
        "xml": "application/xml; charset=utf-8", "txt": "text/plain; charset=utf-8", "svg": "image/svg+xml",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "ico": "image/x-icon", "pdf": "application/pdf", "zip": "application/zip", "woff": "font/woff", "woff2": "font/woff2",
        "csv": "text/csv; charset=utf-8", "jsonld": "application/ld+json", "webmanifest": "application/manifest+json",
    ]

    static func forPath(_ path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return byExtension[path[path.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}
