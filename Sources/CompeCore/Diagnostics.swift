/// A position in a source file that a user edits: 1-based line and column.
///
/// Columns count Unicode scalars, the way editors and libYAML count them, so a
/// Japanese title points at the right character.
public struct SourceLocation: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The path as the user should see it (relative to where they ran `compe`).
    public var path: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column number.
    public var column: Int

    /// Creates a location; line and column are 1-based.
    public init(path: String, line: Int = 1, column: Int = 1) {
        self.path = path
        self.line = max(1, line)
        self.column = max(1, column)
    }

    /// `path:line:col`, the form editors and CI annotators understand.
    public var description: String { "\(path):\(line):\(column)" }

    public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
        (a.path, a.line, a.column) < (b.path, b.line, b.column)
    }
}

/// One problem found in user content, reported as `path:line:col: error|warning: message`.
public struct Diagnostic: Hashable, Sendable, CustomStringConvertible {
    /// Whether the problem stops the build.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// How serious it is.
    public var severity: Severity
    /// Where it is.
    public var location: SourceLocation
    /// What is wrong and, where possible, how to fix it.
    public var message: String

    /// Creates a diagnostic.
    public init(_ severity: Severity, at location: SourceLocation, _ message: String) {
        self.severity = severity
        self.location = location
        self.message = message
    }

    /// Shorthand for an error.
    public static func error(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.error, at: location, message)
    }

    /// Shorthand for a warning.
    public static func warning(_ location: SourceLocation, _ message: String) -> Diagnostic {
        Diagnostic(.warning, at: location, message)
    }

    /// `path:line:col: error: message`.
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Collects diagnostics while a step keeps going, so the user sees every problem at once.
public struct Diagnostics: Sendable {
    /// Everything reported so far, in the order it was found.
    public private(set) var all: [Diagnostic] = []

    /// An empty collection.
    public init() {}

    /// Records an error.
    public mutating func error(_ location: SourceLocation, _ message: String) {
        all.append(.error(location, message))
    }

    /// Records a warning.
    public mutating func warning(_ location: SourceLocation, _ message: String) {
        all.append(.warning(location, message))
    }

    /// Adds diagnostics found elsewhere.
    public mutating func append(contentsOf other: [Diagnostic]) {
        all.append(contentsOf: other)
    }

    /// True when at least one error (not just warnings) was reported.
    public var hasErrors: Bool { all.contains { $0.severity == .error } }

    /// How many errors so far (a reader compares before and after one file).
    public var errorCount: Int { all.count { $0.severity == .error } }

    /// Diagnostics sorted by file and position, duplicates removed.
    public var sorted: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return all.filter { seen.insert($0).inserted }
            .sorted { ($0.location, $0.message) < ($1.location, $1.message) }
    }

    /// Throws `DiagnosticError` when any error was reported.
    public func throwIfErrors() throws {
        if hasErrors { throw DiagnosticError(sorted) }
    }
}

/// Thrown when user content has errors; carries all of them.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    /// Every diagnostic, errors and warnings, sorted by position.
    public let diagnostics: [Diagnostic]

    /// Wraps a list of diagnostics.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
