import Foundation

/// JSON as compe writes it, everywhere (answers of the APIs, files it writes, what the command
/// line prints): keys sorted (stable diffs and byte-identical answers), slashes as they are,
/// pretty only for files and terminals people read.
public enum JSONCoding {
    /// The encoder, configured once for every caller.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `value` as JSON bytes (compact).
    public static func data<T: Encodable>(_ value: T) throws -> Data { try encoder().encode(value) }
}

/// An optional written as `null` when it is absent, rather than left out: tools reading compe's
/// JSON look for the key (`"alpha": null` says "not computable", a missing key says nothing).
/// Decoding takes a missing key or `null` as nil.
@propertyWrapper
public struct NullEncoded<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A `NullEncoded` property whose key is missing is nil.
    public func decode<T>(_ type: NullEncoded<T>.Type, forKey key: Key) throws -> NullEncoded<T> {
        try decodeIfPresent(type, forKey: key) ?? NullEncoded(wrappedValue: nil)
    }
}
