import Foundation

/// The layout of OpenBSD signify's key and signature files — a comment line, then one line of
/// base64 — read the same way by the content loader (`site.pub`) and the signing code.
public enum SignifyFile {
    /// How the first line starts.
    public static let commentPrefix = "untrusted comment: "

    /// The decoded base64 line; nil when the text is not a comment line followed by base64.
    public static func payload(_ text: String) -> [UInt8]? {
        let lines = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard lines.count >= 2, lines[0].hasPrefix(commentPrefix), let data = Data(base64Encoded: String(lines[1])) else { return nil }
        return Array(data)
    }

    /// An Ed25519 public-key file's key number (8 bytes) and key (32 bytes); nil for anything else.
    public static func publicKey(_ text: String) -> (keyNumber: [UInt8], key: [UInt8])? {
        guard let bytes = payload(text), bytes.count == 42, bytes[0..<2].elementsEqual("Ed".utf8) else { return nil }
        return (Array(bytes[2..<10]), Array(bytes[10..<42]))
    }
}
