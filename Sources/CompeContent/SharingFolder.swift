import CompeCore
import Crypto
import Foundation
import Yams

/// Reads `Content/sharing/*.yml`, the agreements to share data with partners. Every mistake is
/// reported at its `path:line:col`: an agreement decides what personal data leaves compe, so
/// nothing in it is guessed or defaulted silently except `k` (the site's) and `onward`
/// (prohibited).
public enum SharingFolder {
    /// The keys an agreement may have.
    static let keys = ["partner", "kind", "contact", "agreement", "purpose", "basis", "contests", "fields", "k", "from", "until", "onward"]

    /// Names of `compe share` subcommands, which a partner's handle cannot be.
    static let reservedHandles: Set<String> = ["make", "log", "publish"]

    /// Every agreement under `root` (`Content/sharing`), by file name; `contests` are the slugs
    /// the site has (an agreement naming another is an error).
    public static func load(root: URL, display: String, config: SiteConfig, contests: Set<String>,
                            diags: inout Diagnostics) -> [SharingAgreement] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root.path) else { return [] }
        var agreements: [SharingAgreement] = []
        for name in names.sorted() where name.hasSuffix(".yml") && !name.hasPrefix(".") {
            let path = "\(display)/\(name)"
            let id = String(name.dropLast(4))
            guard !reservedHandles.contains(id) else {
                diags.error(SourceLocation(path: path), "'\(id)' names a 'compe share' command: give the agreement another file name")
                continue
            }
            guard ContentLoader.isSlug(Substring(id)) else {
                diags.error(SourceLocation(path: path), "agreement file '\(name)' must be named with a-z, 0-9, '-' and '_' (the name is the partner's handle)")
                continue
            }
            guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(name).path) else {
                diags.error(SourceLocation(path: path), "cannot read the file")
                continue
            }
            if let a = parse(data, id: id, path: path, config: config, contests: contests, diags: &diags) { agreements.append(a) }
        }
        return agreements
    }

    /// The register's file name in `Content/sharing/`.
    public static let registerName = "register.json"

    /// `register.json`, when `compe share publish` wrote one; a file that does not read as a
    /// register is an error at its path (and the key that is wrong).
    public static func loadRegister(root: URL, display: String, diags: inout Diagnostics) -> SharingRegister? {
        let path = "\(display)/\(registerName)"
        guard let data = FileManager.default.contents(atPath: root.appendingPathComponent(registerName).path) else { return nil }
        if let key = StrictJSON.duplicateKey(in: [UInt8](data)) {
            diags.error(SourceLocation(path: path), "key '\(key)' appears twice")
            return nil
        }
        func dotted(_ path: [any CodingKey]) -> String { path.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".") }
        do {
            return try JSONDecoder().decode(SharingRegister.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            diags.error(SourceLocation(path: path), "missing '\(dotted(context.codingPath + [key]))'; write it again with 'compe share publish'")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            diags.error(SourceLocation(path: path), "'\(dotted(context.codingPath))' has the wrong type; write it again with 'compe share publish'")
        } catch {
            diags.error(SourceLocation(path: path), "not a register of shares (JSON): write it again with 'compe share publish'")
        }
        return nil
    }

    /// One agreement from its file's bytes; nil (with the reasons in `diags`) when any part of
    /// it is wrong.
    public static func parse(_ data: Data, id: String, path: String, config: SiteConfig, contests: Set<String>,
                             diags: inout Diagnostics) -> SharingAgreement? {
        let before = diags.errorCount
        guard let text = String(validatingUTF8Data: data) else {
            diags.error(SourceLocation(path: path), "not valid UTF-8 text")
            return nil
        }
        let source = YAMLSource(path: path)
        guard let node = source.parse(text, into: &diags),
              let f = YAMLFields(node, source: source, context: "the agreement", diags: &diags) else { return nil }
        f.rejectUnknownKeys(allowed: keys, diags: &diags)
        let partner = everyLanguage("partner", f, config: config, diags: &diags)
        let purpose = everyLanguage("purpose", f, config: config, diags: &diags)
        let kind = choice("kind", SharingAgreement.Kind.self, f, diags: &diags)
        let basis = choice("basis", SharingAgreement.Basis.self, f, diags: &diags)
        let contact = f.string("contact", required: true, diags: &diags)
        if let contact, !EntryForm.isEmail(contact) {
            diags.error(source.location(f.value("contact")), "'contact' must be an e-mail address, e.g. data@partner.example")
        }
        let reference = f.string("agreement", required: true, diags: &diags)
        let covered = contestList(f, source: source, contests: contests, diags: &diags)
        let fields = fieldList(f, source: source, basis: basis, diags: &diags)
        var k = config.k
        if let node = f.value("k") {
            if basis == .consent {
                diags.error(source.location(node), "'k' applies to statistics agreements only: a consent agreement shares whole rows")
            } else if let n = YAMLFields.int(node, key: "k", source: source, diags: &diags) {
                if n < config.k {
                    diags.error(source.location(node), "'k' is \(n), below the site's \(config.k) (site.yml 'k'): an agreement may only suppress more")
                } else {
                    k = n
                }
            }
        }
        let from = day("from", f, source: source, diags: &diags)
        let until = day("until", f, source: source, diags: &diags)
        if let from, let until, until.date < from.date {
            diags.error(source.location(f.value("until")), "'until' (\(until.text)) is before 'from' (\(from.text))")
        }
        let onward = onwardTransfer(f, source: source, diags: &diags)
        guard diags.errorCount == before, let partner, let purpose, let kind, let basis, let contact, let reference,
              let covered, let fields, let from, let until, let onward else { return nil }
        let zone = config.timeZone
        let starts = from.date.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: from.date)))
        let end = until.date.addingTimeInterval(86_400)
        return SharingAgreement(id: id, path: path, partner: partner, kind: kind, contact: contact, reference: reference,
                                purpose: purpose, basis: basis, contests: covered.slugs, fields: fields, k: k,
                                from: from.text, until: until.text, starts: starts,
                                ends: end.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: end))),
                                onward: onward, version: Hex.encode(SHA256.hash(data: data)))
    }

    /// Text in every site language: a partner must be able to read the register in each.
    static func everyLanguage(_ key: String, _ f: YAMLFields, config: SiteConfig, diags: inout Diagnostics) -> [String: String]? {
        guard let text = f.localizedString(key, required: true, languages: config.languages, diags: &diags) else { return nil }
        let missing = config.languages.filter { (text[$0] ?? "").isEmpty }
        guard missing.isEmpty else {
            diags.error(f.source.location(f.value(key)), "'\(key)' needs every site language: add \(missing.joined(separator: ", "))")
            return nil
        }
        return text
    }

    static func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type, _ f: YAMLFields,
                                                           diags: inout Diagnostics) -> T? where T.RawValue == String {
        guard let text = f.string(key, required: true, diags: &diags) else { return nil }
        guard let value = T(rawValue: text) else {
            diags.error(f.source.location(f.value(key)),
                        "'\(key)' is '\(text)'; it must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return value
    }

    /// The contests an agreement covers: every one, or those listed.
    struct Coverage {
        /// nil: all of them.
        var slugs: [String]?
    }

    /// `all` or a list of the site's contest slugs.
    static func contestList(_ f: YAMLFields, source: YAMLSource, contests: Set<String>, diags: inout Diagnostics) -> Coverage? {
        guard let node = f.require("contests", diags: &diags) else { return nil }
        if node.scalar?.string == "all" { return Coverage(slugs: nil) }
        guard let items = node.sequence, !items.isEmpty else {
            diags.error(source.location(node), "'contests' must be 'all' or a list of contest slugs, e.g. [sme-support-ui]")
            return nil
        }
        var slugs: [String] = []
        for item in items {
            guard let slug = item.scalar?.string else {
                diags.error(source.location(item), "each item of 'contests' must be a contest's slug")
                continue
            }
            if !contests.contains(slug) {
                diags.error(source.location(item), "no contest '\(slug)' (contests: \(contests.sorted().joined(separator: ", ")))")
            } else if slugs.contains(slug) {
                diags.error(source.location(item), "'contests' lists '\(slug)' twice")
            }
            slugs.append(slug)
        }
        return Coverage(slugs: slugs)
    }

    /// The fields, each from the vocabulary; identifying ones only under consent.
    static func fieldList(_ f: YAMLFields, source: YAMLSource, basis: SharingAgreement.Basis?, diags: inout Diagnostics) -> [SharingField]? {
        guard let items = f.sequence("fields", required: true, diags: &diags) else { return nil }
        if items.isEmpty {
            diags.error(source.location(f.value("fields")), "'fields' is empty: name what the partner receives, e.g. [entries.country, scores.value]")
            return nil
        }
        var fields: [SharingField] = []
        for item in items {
            guard let text = item.scalar?.string else {
                diags.error(source.location(item), "each item of 'fields' must be a field such as entries.country")
                continue
            }
            guard let field = SharingField(text) else {
                let suggestion = SharingField.all.min { editDistance($0, text) < editDistance($1, text) }
                var message = "unknown field '\(text)'"
                if let suggestion, editDistance(suggestion, text) <= 3 { message += "; did you mean '\(suggestion)'?" }
                diags.error(source.location(item), message + " (fields: \(SharingField.all.joined(separator: ", ")))")
                continue
            }
            if fields.contains(field) {
                diags.error(source.location(item), "'fields' lists '\(text)' twice")
            } else if field.isIdentifying && basis == .statistics {
                diags.error(source.location(item),
                            "'\(text)' identifies an entrant: a statistics agreement shares pseudonymised tables only (use basis: consent)")
            }
            fields.append(field)
        }
        return fields
    }

    static func day(_ key: String, _ f: YAMLFields, source: YAMLSource, diags: inout Diagnostics) -> (text: String, date: Date)? {
        guard let node = f.require(key, diags: &diags) else { return nil }
        guard let text = node.scalar?.string, let date = DateParsing.day(text) else {
            diags.error(source.location(node), "'\(key)' must be a day written YYYY-MM-DD, e.g. 2027-04-01")
            return nil
        }
        return (text, date)
    }

    /// `prohibited` (also when absent) or `{allowed: "reason"}`.
    static func onwardTransfer(_ f: YAMLFields, source: YAMLSource, diags: inout Diagnostics) -> SharingAgreement.Onward? {
        guard let node = f.value("onward") else { return .prohibited }
        if node.scalar?.string == "prohibited" { return .prohibited }
        let message = "'onward' must be 'prohibited' or {allowed: \"the reason\"}"
        guard node.mapping != nil, let m = YAMLFields(node, source: source, context: "'onward'", diags: &diags) else {
            diags.error(source.location(node), message)
            return nil
        }
        m.rejectUnknownKeys(allowed: ["allowed"], diags: &diags)
        guard let reason = m.string("allowed", required: true, diags: &diags), !reason.isEmpty else { return nil }
        return .allowed(reason: reason)
    }
}
