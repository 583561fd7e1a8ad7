import CompeContent
import Foundation
import HTTPTypes
import Hummingbird

/// The headers every answer carries, pages, files, the APIs and errors alike: a Content
/// Security Policy that allows only the site's own scripts, styles and images (and the entry
/// endpoint when it lives elsewhere) and no framing, `nosniff`, a referrer policy, and HSTS
/// when the client came over https.
struct SecurityHeaders: RouterMiddleware {
    typealias Context = CompeRequestContext
    let policy: String

    /// The policy for a site whose forms post to `submitURL`.
    init(submitURL: String) {
        var forms = "'self'"
        if let url = URL(string: submitURL), let scheme = url.scheme, let host = url.host {
            forms += " \(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
        }
        policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src \(forms); "
            + "form-action \(forms); object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        add(to: &response.headers, secure: context.client?.secure ?? false)
        return response
    }

    /// The headers as names and values, for answers written below the application (a request
    /// the HTTP parser refused); HSTS is left to the answers that know how the client came.
    var fields: [(String, String)] {
        [("Content-Security-Policy", policy), ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin")]
    }

    func add(to headers: inout HTTPFields, secure: Bool) {
        if headers[.contentSecurityPolicy] == nil { headers[.contentSecurityPolicy] = policy }
        headers[.xContentTypeOptions] = "nosniff"
        if headers[.referrerPolicy] == nil { headers[.referrerPolicy] = "strict-origin-when-cross-origin" }
        if secure { headers[.strictTransportSecurity] = "max-age=31536000" }
    }
}

extension HTTPField.Name {
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let strictTransportSecurity = HTTPField.Name("Strict-Transport-Security")!
}
