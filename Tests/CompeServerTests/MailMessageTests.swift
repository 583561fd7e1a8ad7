import CompeMail
import Foundation
import Testing

@Suite struct MailMessageTests {
    let from = MailAddress(name: "Contests 公募", address: "noreply@example.org")

    /// Subjects and names outside plain ASCII become RFC 2047 words of at most 75 characters,
    /// folded so no header line passes 78; plain ASCII stays as it is.
    @Test func headersAreEncodedAndFolded() throws {
        let subject = String(repeating: "応募を受け付けました ", count: 8)
        let text = try MailMessage(from: from, to: MailAddress(address: "a@example.org"), subject: subject, body: "x",
                                   messageID: "1@example.org", date: Date(timeIntervalSince1970: 0)).rendered()
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        for line in head.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 78, "\(line)") }
        let subjectHeader = head.components(separatedBy: "\r\nSubject: ")[1].components(separatedBy: "\r\nMessage-ID")[0]
        let words = subjectHeader.components(separatedBy: "=?UTF-8?B?").dropFirst()
        #expect(words.count > 2)
        let decoded = try words.map { w -> String in
            let b64 = String(w[..<w.range(of: "?=")!.lowerBound])
            return String(decoding: try #require(Data(base64Encoded: b64)), as: UTF8.self)
        }.joined()
        #expect(decoded == subject)
        #expect(head.contains("Date: Thu, 01 Jan 1970 00:00:00 +0000"))
        #expect(MailMessage.encodedWords("Entry received") == "Entry received")
    }

    /// A line break in any header value is refused outright.
    @Test func lineBreaksInHeadersAreRefused() {
        let message = MailMessage(from: from, to: MailAddress(address: "a@example.org"), subject: "Hi\r\nBcc: x@example.org", body: "",
                                  messageID: "1@example.org", date: Date())
        #expect(throws: MailError.headerInjection) { try message.rendered() }
    }

    /// A line that starts with a dot gets another, so no body line ends DATA.
    @Test func dotStuffing() {
        #expect(SMTPClient.dotStuffed("a\r\n.\r\n..b\r\nc") == "a\r\n..\r\n...b\r\nc")
    }

    @Test func relayAndSenderParse() {
        #expect(SMTPRelay(url: "smtp://mailer@relay.example.org:587") == SMTPRelay(url: "smtp://mailer@relay.example.org:587"))
        #expect(SMTPRelay(url: "smtps://relay.example.org")?.port == 465)
        #expect(SMTPRelay(url: "http://relay.example.org") == nil)
        #expect(MailAddress(parsing: "Contests <noreply@example.org>")?.name == "Contests")
        #expect(MailAddress(parsing: "noreply@example.org\r\nBcc: x@y.org") == nil)
    }
}
