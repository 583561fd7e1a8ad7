import CompeContent
import CompeCore
import CompeTestSupport

extension TestSite {
    /// The content as `compe build` loads it (the built-in templates known).
    func load() throws -> SiteContent {
        try ContentLoader(root: content, displayRoot: "Content", knownTemplates: ["page", "home", "contest"]).load()
    }

    /// Every error loading reports, as `path:line:col: error: message` lines; empty when it loads.
    func problems() -> [String] {
        do {
            _ = try load()
            return []
        } catch let e as DiagnosticError {
            return e.diagnostics.filter { $0.severity == .error }.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }
}
