import CompeContent
import Foundation
import Hummingbird
import Logging
import Synchronization

/// The entry API's routes, answered by the current `EntryAPI`.
///
/// `compe serve` makes one from the briefs at start. In watch mode the dev server hands it each
/// rebuilt content, so a contest added or a deadline moved while it runs is what the API goes
/// by, like the pages just rebuilt (a request in progress finishes with the API it started with).
final class EntryEndpoint: Sendable {
    private let current: Mutex<EntryAPI>
    private let publicDir: URL
    private let logger: Logger

    init(_ api: EntryAPI, publicDir: URL, logger: Logger) {
        current = Mutex(api)
        self.publicDir = publicDir
        self.logger = logger
    }

    /// The API requests are answered with now.
    var api: EntryAPI { current.withLock { $0 } }

    /// Takes the contests, settings and page chrome of a rebuilt `content` (the store and the
    /// rate limiter stay). A content the pages cannot be made from keeps the previous API.
    func contentChanged(_ content: SiteContent) {
        do {
            let next = try api.with(content: content, publicDir: publicDir)
            current.withLock { $0 = next }
        } catch {
            logger.error("entry API kept its previous contests: \(error)")
        }
    }

    func register(on router: Router<CompeRequestContext>) {
        let api = router.group("api")
        api.post("contests/:slug/entries") { request, context in try await self.api.submit(request, context) }
        api.post("contests/:slug/recover") { request, context in try await self.api.recover(request, context) }
        api.post("contests/:slug/questions") { request, context in try await self.api.ask(request, context) }
        api.on("contests/:slug/questions", method: .options) { request, context in self.api.preflight(request, context) }
        api.get("mail/confirm") { request, context in try await self.api.confirmForm(request, context) }
        api.post("mail/confirm") { request, context in try await self.api.confirm(request, context) }
        api.get("entries/:id") { request, context in try await self.api.view(request, context) }
        api.post("entries/:id") { request, context in try await self.api.edit(request, context) }
        api.post("entries/:id/consent") { request, context in try await self.api.consent(request, context) }
        api.delete("entries/:id") { request, context in try await self.api.withdraw(request, context) }
        api.post("contests/:slug/entries/:id/stages/:stage") { request, context in try await self.api.submitStage(request, context) }
        api.post("entries/:id/stages/:stage") { request, context in try await self.api.submitStage(request, context) }
        api.on("contests/:slug/entries", method: .options) { request, context in self.api.preflight(request, context) }
        api.on("entries/:id", method: .options) { request, context in self.api.preflight(request, context) }
        // Resumable uploads (tus 1.0).
        // (The router takes `uploads` and `uploads/` alike.)
        api.post("uploads") { request, context in try await self.api.createUpload(request, context) }
        api.on("uploads", method: .options) { request, context in self.api.uploadOptions(request, context) }
        api.head("uploads/:id") { request, context in try await self.api.uploadHead(request, context) }
        api.patch("uploads/:id") { request, context in try await self.api.uploadPatch(request, context) }
        api.delete("uploads/:id") { request, context in try await self.api.uploadDelete(request, context) }
        api.on("uploads/:id", method: .options) { request, context in self.api.uploadOptions(request, context) }
    }
}
