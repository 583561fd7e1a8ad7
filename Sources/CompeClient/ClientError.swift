import Foundation

/// Why the judge's command line could not do what was asked over HTTPS. Each `description` is
/// one line naming the fix (English, the command line's language).
public enum ClientError: Error, CustomStringConvertible {
    /// The server could not be reached (refused, timed out, name unknown, TLS failed before HTTP).
    case unreachable(server: String, reason: String)
    /// The server refused the token.
    case unauthorized
    /// The reference is not in the judge's queue.
    case notInQueue(ref: String)
    /// The sheet changed on the server since it was read.
    case stale(current: Int)
    /// Results are published: scores are frozen.
    case published
    /// Too many failed attempts from this address.
    case tooManyAttempts(retryAfter: Int)
    /// The server refused the values (each problem, one line).
    case refused([String])
    /// A downloaded file does not have the SHA-256 the server announced (it was deleted).
    case checksumMismatch(file: String)
    /// A download was longer or shorter than the size the server announced (it was deleted).
    case sizeMismatch(file: String, announced: Int64)
    /// A file to download is already there: nothing was overwritten.
    case exists(String)
    /// The server answered something this client does not understand.
    case unexpected(status: Int)
    /// Not a server address.
    case badServer(String)
    /// `http://` to another machine: the token would cross the network in clear text.
    case plainHTTP(String)
    /// The CA file cannot be read.
    case badCAFile(String)
    /// The credentials file cannot be read.
    case badCredentialsFile(String)
    /// The credentials could not be written.
    case cannotSave(String)
    /// No token was typed.
    case noToken
    /// A public file the check needs is not there.
    case notPublished(url: String, status: Int)

    public var description: String {
        switch self {
        case .notPublished(let url, let status): return "\(url) answered \(status): is the log published ('compe log sign', then 'compe build')?"
        case .unreachable(let server, let reason): return "cannot reach \(server): \(reason)"
        case .unauthorized: return "the server refused the token (unknown, expired or revoked): ask the organiser for a new one, then run 'compe judge login'"
        case .notInQueue(let ref): return "'\(ref)' is not in your queue (blind contests take the blind code that 'compe judge queue' shows)"
        case .stale(let current):
            return "the sheet changed on the server since you read it (now revision \(current), perhaps from another device): run 'compe judge show' and score again"
        case .published: return "results are published: scores can no longer change"
        case .tooManyAttempts(let seconds): return "too many failed attempts from this address: try again in \(seconds) s"
        case .refused(let problems): return problems.joined(separator: "; ")
        case .checksumMismatch(let file): return "\(file) does not match its SHA-256; it was deleted (download it again)"
        case .sizeMismatch(let file, let bytes): return "\(file) is not the \(bytes) bytes the server announced; it was deleted (download it again)"
        case .exists(let path): return "\(path) already exists; nothing was overwritten (choose another --out or move it away)"
        case .unexpected(let status): return "the server answered \(status) unexpectedly"
        case .badServer(let text): return "'\(text)' is not a server address such as https://compe.example.go.jp"
        case .plainHTTP(let text): return "refusing to send a token over plain http to \(text): use https:// (http:// only for this machine)"
        case .badCAFile(let path): return "cannot read the CA certificate \(path) (a PEM file)"
        case .badCredentialsFile(let path): return "\(path) is not a credentials file compe wrote; remove it and log in again"
        case .cannotSave(let path): return "cannot write \(path)"
        case .noToken: return "no token given"
        }
    }
}
