import Foundation

/// The ustar archives `compe backup` writes and `compe restore` reads (POSIX.1-1988: any `tar`
/// lists and extracts them). Only regular files; names are checked on the way in.
struct TarWriter {
    private let handle: FileHandle

    /// Writes to a new file at `path` (refusing to overwrite one).
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError.fileSystem(.create, path: path, errno: errno)
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    /// Adds a file named `name` with the bytes of `data`.
    func add(_ name: String, data: Data) throws {
        try handle.write(contentsOf: Self.header(name, size: data.count))
        try handle.write(contentsOf: data)
        try pad(data.count)
    }

    /// Adds a file named `name` with the bytes of the file at `source`, streamed.
    func add(_ name: String, file source: String) throws {
        guard let input = FileHandle(forReadingAtPath: source) else { throw StoreError.fileSystem(.open, path: source, errno: errno) }
        defer { try? input.close() }
        let size = Int((try? FileManager.default.attributesOfItem(atPath: source)[.size] as? Int) ?? 0)
        try handle.write(contentsOf: Self.header(name, size: size))
        var written = 0
        while written < size, let chunk = try input.read(upToCount: min(1 << 20, size - written)), !chunk.isEmpty {
            try handle.write(contentsOf: chunk)
            written += chunk.count
        }
        guard written == size else { throw StoreError.fileSystem(.write, path: source, errno: EIO) }
        try pad(size)
    }

    /// Ends the archive (two zero blocks) and makes it durable.
    func finish() throws {
        try handle.write(contentsOf: Data(count: 1024))
        try handle.synchronize()
        try handle.close()
    }

    private func pad(_ size: Int) throws {
        let rest = (512 - size % 512) % 512
        if rest > 0 { try handle.write(contentsOf: Data(count: rest)) }
    }

    static func header(_ name: String, size: Int) -> Data {
        var h = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int, width: Int) {
            for (i, b) in text.utf8.prefix(width).enumerated() { h[offset + i] = b }
        }
        func octal(_ value: Int, at offset: Int, width: Int) {
            put(String(repeating: "0", count: max(0, width - 1 - String(value, radix: 8).count)) + String(value, radix: 8), at: offset, width: width - 1)
        }
        put(name, at: 0, width: 100)
        octal(0o600, at: 100, width: 8)
        octal(0, at: 108, width: 8)
        octal(0, at: 116, width: 8)
        octal(size, at: 124, width: 12)
        octal(Int(Date().timeIntervalSince1970), at: 136, width: 12)
        put("        ", at: 148, width: 8)
        h[156] = UInt8(ascii: "0")
        put("ustar", at: 257, width: 6)
        put("00", at: 263, width: 2)
        let sum = h.reduce(0) { $0 + Int($1) }
        put(String(repeating: "0", count: max(0, 6 - String(sum, radix: 8).count)) + String(sum, radix: 8), at: 148, width: 6)
        h[154] = 0
        h[155] = UInt8(ascii: " ")
        return Data(h)
    }
}

/// Reads the regular files of a ustar archive one by one.
struct TarReader {
    private let handle: FileHandle

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError.fileSystem(.open, path: path, errno: errno) }
        self.handle = handle
    }

    /// Calls `body` with each file's name and a function that streams its bytes into a file at a
    /// given path; stops at the archive's end. Throws `StoreError.notABackup` on a damaged header.
    func forEach(_ body: (_ name: String, _ size: Int, _ extract: (String) throws -> Void) throws -> Void) throws {
        defer { try? handle.close() }
        while true {
            guard let header = try handle.read(upToCount: 512), header.count == 512 else { throw StoreError.notABackup("the archive ends early") }
            if header.allSatisfy({ $0 == 0 }) { return }
            let bytes = [UInt8](header)
            let stored = Int(String(decoding: bytes[148..<154].prefix { $0 != 0 && $0 != 32 }, as: UTF8.self), radix: 8)
            var check = bytes
            for i in 148..<156 { check[i] = 32 }
            guard stored == check.reduce(0, { $0 + Int($1) }) else { throw StoreError.notABackup("a header's checksum does not match") }
            let name = String(decoding: bytes[0..<100].prefix { $0 != 0 }, as: UTF8.self)
            guard let size = Int(String(decoding: bytes[124..<136].prefix { $0 != 0 && $0 != 32 }, as: UTF8.self), radix: 8) else {
                throw StoreError.notABackup("a header has no size")
            }
            var consumed = false
            try body(name, size) { destination in
                consumed = true
                guard FileManager.default.createFile(atPath: destination, contents: nil, attributes: [.posixPermissions: 0o600]),
                      let out = FileHandle(forWritingAtPath: destination) else { throw StoreError.fileSystem(.create, path: destination, errno: errno) }
                defer { try? out.close() }
                var left = size
                while left > 0 {
                    guard let chunk = try handle.read(upToCount: min(1 << 20, left)), !chunk.isEmpty else { throw StoreError.notABackup("a file ends early") }
                    try out.write(contentsOf: chunk)
                    left -= chunk.count
                }
                try out.synchronize()
            }
            let skip = consumed ? (512 - size % 512) % 512 : size + (512 - size % 512) % 512
            if skip > 0 { try handle.seek(toOffset: try handle.offset() + UInt64(skip)) }
        }
    }
}
