import Foundation

/// An RFC 5322 message in plain-text UTF-8, ready for SMTP's DATA.
///
/// Every header that can hold text from outside (the subject, display names) is RFC 2047
/// encoded whenever it is not plain printable ASCII, and every header value is refused if it
/// holds CR or LF, so nothing an entrant typed can add a header. The body is base64: any line
/// length, any character, and a line holding a lone "." all arrive as written.
public struct MailMessage: Sendable {
    /// Envelope and `From:`.
    public var from: MailAddress
    /// Envelope and `To:`.
    public var to: MailAddress
    public var subject: String
    public var body: String
    /// Without angle brackets; stable per queued message.
    public var messageID: String
    public var date: Date

    public init(from: MailAddress, to: MailAddress, subject: String, body: String, messageID: String, date: Date) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.date = date
    }

    /// The message as sent (CRLF line ends), before dot-stuffing.
    public func rendered() throws -> String {
        for header in [subject, messageID, from.address, to.address, from.name ?? "", to.name ?? ""] where Self.hasLineBreak(header) {
            throw MailError.headerInjection
        }
        let encodedBody = Data(body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8)
            .base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        let headers = [
            "Date: " + Self.rfc5322Date(date),
            "From: " + from.header,
            "To: " + to.header,
            "Subject: " + Self.encodedWords(subject, prefixLength: 9),
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
            "Auto-Submitted: auto-generated",
        ]
        return headers.joined(separator: "\r\n") + "\r\n\r\n" + encodedBody + "\r\n"
    }

    /// CR or LF anywhere (checked by scalar: Swift counts "\r\n" as one Character, equal to neither).
    static func hasLineBreak(_ s: String) -> Bool { s.unicodeScalars.contains { $0 == "\r" || $0 == "\n" } }

    /// `Mon, 30 Nov 2026 06:57:16 +0000`.
    public static func rfc5322Date(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return f.string(from: date)
    }

    /// `text` as it may stand in a header: as is when it is short printable ASCII, otherwise
    /// RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, cut between characters and
    /// folded, so no header line passes 78 characters.
    public static func encodedWords(_ text: String, prefixLength: Int = 0) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline && ($0 == " " || $0.asciiValue! >= 0x21 && $0.asciiValue! < 0x7F) }),
           !text.contains("=?"), text.count + prefixLength <= 78 {
            return text
        }
        var words: [String] = []
        var chunk = Data()
        // Bytes per word so that each line stays within 78: "=?UTF-8?B?" + base64 + "?=" after the
        // header name on the first line, after one space on the folded ones.
        func limit() -> Int { 3 * ((78 - 12 - (words.isEmpty ? prefixLength : 1)) / 4) }
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > limit() {
                words.append("=?UTF-8?B?" + chunk.base64EncodedString() + "?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty || words.isEmpty { words.append("=?UTF-8?B?" + chunk.base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }
}

/// A mailbox: an address and an optional display name.
public struct MailAddress: Sendable, Hashable {
    public var name: String?
    public var address: String

    public init(name: String? = nil, address: String) {
        self.name = name
        self.address = address
    }

    /// Reads `Name <addr@host>` or `addr@host` (what `--mail-from` takes); nil when it is not one.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !MailMessage.hasLineBreak(t) else { return nil }
        if let open = t.lastIndex(of: "<"), t.hasSuffix(">") {
            let address = String(t[t.index(after: open)..<t.index(before: t.endIndex)])
            let name = t[..<open].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            guard Self.plausible(address) else { return nil }
            self.init(name: name.isEmpty ? nil : name, address: address)
        } else {
            guard Self.plausible(t) else { return nil }
            self.init(address: t)
        }
    }

    static func plausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".")
            && address.allSatisfy { $0.isASCII && !$0.isWhitespace && !"<>()[],;:\"\\".contains($0) }
    }

    /// As a header value: the name encoded (RFC 2047) when present.
    var header: String {
        guard let name, !name.isEmpty else { return address }
        let simple = name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " " || "-_.".contains($0)) }
        return simple ? name + " <\(address)>" : MailMessage.encodedWords(name, prefixLength: 6) + "\r\n <\(address)>"
    }
}

/// Why a message could not be made or sent.
public enum MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A header value held CR or LF (validation should have refused it earlier).
    case headerInjection
    /// The relay could not be reached, or the connection broke.
    case connection(String)
    /// No answer in time.
    case timeout(String)
    /// The relay answered with an error (4xx: try again later; 5xx: it will not take the message).
    case rejected(code: Int, text: String)
    /// The relay spoke something other than SMTP.
    case protocolError(String)
    /// The password would have crossed the network without TLS.
    case insecureAuth
    /// The message carries an edit link and the relay offers no TLS (`--smtp-insecure` allows it).
    case noTLS

    /// Errors not worth retrying soon: the relay refused for good.
    public var isPermanent: Bool {
        if case .rejected(let code, _) = self { return code >= 500 }
        return self == .headerInjection || self == .insecureAuth || self == .noTLS
    }

    public var description: String {
        switch self {
        case .headerInjection: return "a header held a line break"
        case .connection(let why): return "cannot reach the relay: \(why)"
        case .timeout(let step): return "the relay did not answer in time (\(step))"
        case .rejected(let code, let text): return "the relay refused: \(code) \(text)"
        case .protocolError(let why): return "the relay's answer was not SMTP: \(why)"
        case .insecureAuth: return "the relay offers no TLS: the password is not sent in the clear"
        case .noTLS: return "the relay offers no TLS (STARTTLS): a mail carrying an edit link is not sent in the clear (use smtps://, a relay with STARTTLS, or --smtp-insecure)"
        }
    }
}
