import Foundation

/// What a file says about who made it, beside what it shows: the author fields of a PDF and
/// the EXIF, XMP, IPTC and comment blocks of an image. In a blind contest a judge must see
/// none of it. Images are served to blind judges as a copy without those blocks (`strip`; the
/// pixel data is not touched); a PDF whose metadata names the team, a member or the contact
/// address is refused when it is sent (`PDFMetadata`), so the entrant fixes it.
public enum ImageMetadata {
    /// `bytes` of an image of `kind` without metadata blocks; other kinds, and images that do
    /// not parse as their kind, come back unchanged.
    public static func strip(_ bytes: [UInt8], kind: FileKind) -> [UInt8] {
        switch kind {
        case .jpeg: return jpeg(bytes) ?? bytes
        case .png: return png(bytes) ?? bytes
        case .gif: return gif(bytes) ?? bytes
        case .webp: return webp(bytes) ?? bytes
        case .pdf, .zip, .mp4: return bytes
        }
    }

    /// JPEG: every APPn segment but APP0 (JFIF), APP2 `ICC_PROFILE` and APP14 `Adobe` (colour,
    /// which the pixels need), and every comment (COM), up to the start of scan; the rest as it is.
    static func jpeg(_ b: [UInt8]) -> [UInt8]? {
        guard b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 else { return nil }
        var out: [UInt8] = [0xFF, 0xD8]
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }   // fill byte
            if marker == 0xDA || marker == 0xD9 {    // start of scan: image data follows as it is
                out += b[i...]
                return out
            }
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { return nil }
            let segment = b[i..<(i + 2 + length)]
            let payload = b[(i + 4)..<(i + 2 + length)]
            func starts(_ s: String) -> Bool { payload.starts(with: Array(s.utf8)) }
            let keep: Bool
            switch marker {
            case 0xE0: keep = starts("JFIF")
            case 0xE2: keep = starts("ICC_PROFILE")
            case 0xEE: keep = starts("Adobe")
            case 0xE1...0xEF, 0xFE: keep = false
            default: keep = true
            }
            if keep { out += segment }
            i += 2 + length
        }
        return nil
    }

    /// PNG: the text chunks (tEXt, zTXt, iTXt), eXIf and tIME go; critical and colour chunks stay.
    static func png(_ b: [UInt8]) -> [UInt8]? {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard b.count >= 8, Array(b[0..<8]) == signature else { return nil }
        var out = signature
        var i = 8
        let dropped: Set<String> = ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]
        while i + 12 <= b.count {
            let length = Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 0, i + 12 + length <= b.count else { return nil }
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            if !dropped.contains(type) { out += b[i..<(i + 12 + length)] }
            i += 12 + length
            if type == "IEND" { return out }
        }
        return nil
    }

    /// GIF: comment extensions and application extensions other than the animation loop
    /// (`NETSCAPE2.0`) go (XMP travels in one).
    static func gif(_ b: [UInt8]) -> [UInt8]? {
        guard b.count >= 13, b.starts(with: Array("GIF8".utf8)) else { return nil }
        var i = 13
        if b[10] & 0x80 != 0 { i += 3 << (Int(b[10] & 0x07) + 1) }   // global colour table
        guard i <= b.count else { return nil }
        var out = Array(b[0..<i])
        func subBlocks(from start: Int) -> Int? {
            var j = start
            while j < b.count {
                let n = Int(b[j])
                if n == 0 { return j + 1 }
                j += 1 + n
            }
            return nil
        }
        while i < b.count {
            switch b[i] {
            case 0x3B:
                out.append(0x3B)
                return out
            case 0x21:
                guard i + 2 < b.count else { return nil }
                let label = b[i + 1]
                if label == 0xFE || label == 0xFF {
                    guard let end = subBlocks(from: i + 2) else { return nil }
                    let keep = label == 0xFF && i + 14 <= b.count && b[i + 2] == 11 && Array(b[(i + 3)..<(i + 14)]) == Array("NETSCAPE2.0".utf8)
                    if keep { out += b[i..<end] }
                    i = end
                } else {
                    guard let end = subBlocks(from: i + 2) else { return nil }
                    out += b[i..<end]
                    i = end
                }
            case 0x2C:
                guard i + 10 <= b.count else { return nil }
                var j = i + 10
                if b[i + 9] & 0x80 != 0 { j += 3 << (Int(b[i + 9] & 0x07) + 1) }
                j += 1   // LZW minimum code size
                guard j <= b.count, let end = subBlocks(from: j) else { return nil }
                out += b[i..<end]
                i = end
            default:
                return nil
            }
        }
        return nil
    }

    /// WebP: the EXIF and XMP chunks go; the VP8X flags and the RIFF size follow.
    static func webp(_ b: [UInt8]) -> [UInt8]? {
        guard b.count >= 12, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) else { return nil }
        var chunks: [UInt8] = []
        var i = 12
        while i + 8 <= b.count {
            let type = String(decoding: b[i..<(i + 4)], as: UTF8.self)
            let size = Int(b[i + 4]) | Int(b[i + 5]) << 8 | Int(b[i + 6]) << 16 | Int(b[i + 7]) << 24
            let padded = size + (size & 1)
            guard i + 8 + size <= b.count else { return nil }
            var chunk = Array(b[i..<min(b.count, i + 8 + padded)])
            if type == "VP8X", chunk.count > 8 { chunk[8] &= ~UInt8(0x0C) }   // no EXIF (0x08), no XMP (0x04)
            if type != "EXIF" && type != "XMP " { chunks += chunk }
            i += 8 + padded
        }
        let size = UInt32(4 + chunks.count)
        return Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24)]
            + Array("WEBP".utf8) + chunks
    }
}

/// The metadata of a PDF that can name its author: the document information dictionary
/// (`/Author`, `/Creator`, `/Producer`, `/Title`, `/Subject`, `/Keywords`) and the XMP packet
/// (`dc:creator`, `pdf:Author`, `xmp:CreatorTool`, …), read where PDF writers put them: as
/// uncompressed objects. Literal strings (escapes decoded), hex strings and UTF-16 are read.
public enum PDFMetadata {
    /// Each metadata value with the field it came from (`Author`, `dc:creator`, …).
    public static func values(in bytes: [UInt8]) -> [(field: String, value: String)] {
        var out: [(String, String)] = []
        for key in ["Author", "Creator", "Producer", "Title", "Subject", "Keywords"] {
            let needle = Array("/\(key)".utf8)
            var from = 0
            while let at = find(needle, in: bytes, from: from) {
                from = at + needle.count
                guard from < bytes.count, !isNameCharacter(bytes[from]) else { continue }
                var j = from
                while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x0A || bytes[j] == 0x0D || bytes[j] == 0x09 { j += 1 }
                if let value = string(at: j, in: bytes), !value.isEmpty { out.append((key, value)) }
            }
        }
        // XMP: the text of every element inside the packet.
        if let start = find(Array("<x:xmpmeta".utf8), in: bytes, from: 0), let end = find(Array("</x:xmpmeta>".utf8), in: bytes, from: start) {
            let xml = String(decoding: bytes[start..<end], as: UTF8.self)
            var tag = ""
            var text = ""
            var inTag = false
            for ch in xml {
                if ch == "<" {
                    let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !value.isEmpty, !tag.hasPrefix("/") { out.append((tag.split(separator: " ").first.map(String.init) ?? tag, xmlText(value))) }
                    text = ""
                    tag = ""
                    inTag = true
                } else if ch == ">" && inTag {
                    inTag = false
                } else if inTag {
                    tag.append(ch)
                } else {
                    text.append(ch)
                }
            }
        }
        return out
    }

    /// The first metadata field of `bytes` that names one of `identities` (team, members,
    /// e-mail: compared without case, at least three characters), with the value it holds.
    public static func identifying(_ bytes: [UInt8], identities: [String]) -> (field: String, value: String)? {
        let names = identities.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { $0.count >= 3 }
        guard !names.isEmpty else { return nil }
        for (field, value) in values(in: bytes) {
            let v = value.lowercased()
            if names.contains(where: { v.contains($0) }) { return (field, value) }
        }
        return nil
    }

    static func isNameCharacter(_ b: UInt8) -> Bool {
        (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || (0x30...0x39).contains(b)
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }

    /// A PDF string object at `i`: `( … )` with escapes, or `< hex >`.
    static func string(at i: Int, in b: [UInt8]) -> String? {
        guard i < b.count else { return nil }
        var raw: [UInt8] = []
        if b[i] == UInt8(ascii: "(") {
            var depth = 1, j = i + 1
            while j < b.count && depth > 0 && raw.count < 4096 {
                let c = b[j]
                if c == UInt8(ascii: "\\"), j + 1 < b.count {
                    let e = b[j + 1]
                    switch e {
                    case UInt8(ascii: "n"): raw.append(0x0A)
                    case UInt8(ascii: "r"): raw.append(0x0D)
                    case UInt8(ascii: "t"): raw.append(0x09)
                    case UInt8(ascii: "b"): raw.append(0x08)
                    case UInt8(ascii: "f"): raw.append(0x0C)
                    case UInt8(ascii: "0")...UInt8(ascii: "7"):
                        var v = 0, k = j + 1
                        while k < b.count && k < j + 4 && (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(b[k]) { v = v * 8 + Int(b[k] - 48); k += 1 }
                        raw.append(UInt8(v & 0xFF))
                        j = k
                        continue
                    case 0x0A, 0x0D: break
                    default: raw.append(e)
                    }
                    j += 2
                    continue
                }
                if c == UInt8(ascii: "(") { depth += 1 }
                if c == UInt8(ascii: ")") { depth -= 1; if depth == 0 { break } }
                raw.append(c)
                j += 1
            }
        } else if b[i] == UInt8(ascii: "<"), i + 1 < b.count, b[i + 1] != UInt8(ascii: "<") {
            var j = i + 1
            var digits: [UInt8] = []
            while j < b.count && b[j] != UInt8(ascii: ">") && digits.count < 8192 {
                if let d = hex(b[j]) { digits.append(d) }
                j += 1
            }
            if digits.count % 2 == 1 { digits.append(0) }
            raw = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
        } else {
            return nil
        }
        return decode(raw)
    }

    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - 48
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - 87
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - 55
        default: return nil
        }
    }

    /// UTF-16BE with a byte-order mark, UTF-8 with one or as it is, else Latin-1 (PDFDocEncoding's ASCII part).
    static func decode(_ raw: [UInt8]) -> String {
        if raw.starts(with: [0xFE, 0xFF]) {
            let units = stride(from: 2, to: raw.count - 1, by: 2).map { UInt16(raw[$0]) << 8 | UInt16(raw[$0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        }
        if raw.starts(with: [0xEF, 0xBB, 0xBF]) { return String(decoding: raw.dropFirst(3), as: UTF8.self) }
        if let utf8 = String(validating: raw, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(raw.map { Unicode.Scalar($0) }))
    }

    static func xmlText(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
    }
}
