import CompeContent
import CompeCore
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// The dev server's side of `compe serve --watch`: tells open pages to reload after a good
/// rebuild, or to show an overlay with the errors of a bad one (Server-Sent Events), and adds
/// the small script that listens to every HTML page it serves. Public/ itself never holds the
/// script, so a watched build and a clean build write the same bytes.
public final class LiveReload: Sendable {
    /// Path of the event stream.
    public static let eventsPath = "/__compe/live"
    /// Path of the script.
    public static let scriptPath = "/__compe/live.js"

    private struct State {
        var problems: [Diagnostic] = []
        var generation = 0
        var subscribers: [Int: AsyncStream<String>.Continuation] = [:]
        var nextID = 0
    }
    private let state = Mutex(State())
    private let contentObservers = Mutex<[@Sendable (SiteContent) -> Void]>([])

    /// A live-reload hub with no open pages.
    public init() {}

    /// A rebuild succeeded: every open page reloads (and loses its overlay). With `content`
    /// (a rebuild that may have changed more than one page's text), the server's other parts
    /// (the entry API's contests and deadlines) take it first, so a reloaded form posts to an
    /// API that knows what the page shows.
    public func rebuilt(content: SiteContent? = nil) {
        if let content {
            for observe in contentObservers.withLock({ $0 }) { observe(content) }
        }
        broadcast { state in
            state.problems = []
            state.generation += 1
            return Self.event("reload", "\(state.generation)")
        }
    }

    /// A rebuild failed: every open page shows `problems`; the last good site stays served.
    public func failed(_ problems: [Diagnostic]) {
        broadcast { state in
            state.problems = problems
            return Self.event("problems", Self.json(problems))
        }
    }

    /// Calls `observer` with the content of every rebuild that passes one to `rebuilt(content:)`.
    func observeContent(_ observer: @escaping @Sendable (SiteContent) -> Void) {
        contentObservers.withLock { $0.append(observer) }
    }

    /// Number of pages listening (for tests and logs).
    public var listeners: Int { state.withLock { $0.subscribers.count } }

    private func broadcast(_ update: (inout State) -> String) {
        let (message, targets) = state.withLock { s -> (String, [AsyncStream<String>.Continuation]) in
            (update(&s), Array(s.subscribers.values))
        }
        for t in targets { t.yield(message) }
    }

    /// A new listener: its stream starts with the current state (problems, if any).
    func subscribe() -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let id = state.withLock { s -> Int in
            let id = s.nextID
            s.nextID += 1
            s.subscribers[id] = continuation
            continuation.yield(s.problems.isEmpty ? Self.event("hello", "\(s.generation)") : Self.event("problems", Self.json(s.problems)))
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }

    /// Diagnostics as a JSON array of {location, severity, message} (one line: no newlines in SSE data).
    static func json(_ problems: [Diagnostic]) -> String {
        struct Item: Encodable { var location: String; var severity: String; var message: String }
        let items = problems.map { Item(location: $0.location.description, severity: $0.severity == .error ? "error" : "warning", message: $0.message) }
        // Strings only: encoding cannot fail.
        return (try? JSONCoding.data(items)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    /// Adds the event stream and the script to `router`.
    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get(RouterPath(stringLiteral: Self.eventsPath)) { [self] _, _ -> Response in
            let stream = subscribe()
            return Response(status: .ok,
                            headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"],
                            body: ResponseBody { writer in
                                // Ends with the connection, or when the server shuts down.
                                for await message in stream.cancelOnGracefulShutdown() {
                                    try await writer.write(ByteBuffer(string: message))
                                }
                                try await writer.finish(nil)
                            })
        }
        router.get(RouterPath(stringLiteral: Self.scriptPath)) { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: Self.script)))
        }
    }

    /// The listener: reloads on `reload`, shows `problems` in an overlay built with text nodes
    /// only (messages quote user content, so they are never parsed as HTML).
    static let script = """
    (function () {
      var overlay = null;
      function show(problems) {
        if (!overlay) {
          overlay = document.createElement("div");
          overlay.id = "compe-error-overlay";
          overlay.setAttribute("role", "alert");
          overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;background:rgba(20,20,20,.94);" +
            "color:#fff;font:14px/1.5 ui-monospace,monospace;padding:2rem;white-space:pre-wrap";
          document.body.appendChild(overlay);
        }
        overlay.textContent = "";
        function bilingual(tag, ja, en) {
          var el = document.createElement(tag);
          [["ja", ja], ["en", en]].forEach(function (pair, i) {
            var span = document.createElement("span");
            span.lang = pair[0];
            span.textContent = (i ? " / " : "") + pair[1];
            el.appendChild(span);
          });
          return el;
        }
        var h = bilingual("h2", "compe: ビルドエラー", "build failed");
        h.style.cssText = "color:#ff8080;font-size:1.2rem;margin:0 0 1rem";
        overlay.appendChild(h);
        problems.forEach(function (p) {
          var line = document.createElement("div");
          line.className = "compe-error";
          line.textContent = p.location + ": " + p.severity + ": " + p.message;
          overlay.appendChild(line);
        });
        var note = bilingual("p", "ファイルを直すと自動で再読み込みします。", "Fix the file and this page reloads by itself.");
        note.style.cssText = "color:#bbb;margin-top:1rem";
        overlay.appendChild(note);
      }
      var source = new EventSource("\(eventsPath)");
      source.addEventListener("reload", function () { location.reload(); });
      source.addEventListener("problems", function (e) { show(JSON.parse(e.data)); });
    })();
    """

    /// `html` with the listener's script tag added before `</body>` (or at the end).
    static func inject(into html: Data) -> Data {
        let tag = Array("<script src=\"\(scriptPath)\"></script>\n".utf8)
        let bytes = [UInt8](html)
        let close = Array("</body>".utf8)
        var at = bytes.count
        if bytes.count >= close.count {
            for i in stride(from: bytes.count - close.count, through: 0, by: -1) where bytes[i] == close[0] {
                if Array(bytes[i..<(i + close.count)]) == close { at = i; break }
            }
        }
        return Data(bytes[..<at] + tag + bytes[at...])
    }
}

/// In watch mode, serves HTML files of the built site with the live-reload script added.
/// Only URL paths made of plain segments are mapped to files; anything else falls through to
/// the normal file server, which applies its own checks.
struct LiveReloadMiddleware<Context: RequestContext>: RouterMiddleware {
    let site: PublicDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get, let file = htmlFile(for: request.uri.path), let data = site.contents(file) else {
            return try await next(request, context)
        }
        return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: LiveReload.inject(into: data))))
    }

    /// `a/b/` → `a/b/index.html`, `x.html` → `x.html`; nil for other files and odd paths.
    func htmlFile(for path: String) -> String? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let plain = segments.dropLast().allSatisfy { s in
            !s.isEmpty && s != "." && s != ".." && !s.hasPrefix(".") && s.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        }
        guard path.hasPrefix("/"), plain, let last = segments.last else { return nil }
        if last.isEmpty { return segments.dropLast().map(String.init).joined(separator: "/") + (segments.count > 1 ? "/" : "") + "index.html" }
        guard last.hasSuffix(".html"), !last.hasPrefix("."), last.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else { return nil }
        return segments.map(String.init).joined(separator: "/")
    }
}
