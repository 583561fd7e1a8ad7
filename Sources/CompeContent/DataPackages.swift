import CompeCore
import Foundation

/// The licence open-data packages carry (`data_license` in site.yml).
public struct DataLicense: Sendable, Hashable, Codable {
    /// SPDX identifier, e.g. `CC-BY-4.0`.
    public var name: String
    /// The licence text's URL.
    public var path: String
    public var title: String

    /// CC BY 4.0: reuse with attribution, what public bodies in Japan and the EU publish under.
    public static let `default` = known["CC-BY-4.0"]!
    /// The licences `data_license` accepts, by SPDX identifier.
    public static let known: [String: DataLicense] = [
        "CC-BY-4.0": .init(name: "CC-BY-4.0", path: "https://creativecommons.org/licenses/by/4.0/", title: "Creative Commons Attribution 4.0"),
        "CC0-1.0": .init(name: "CC0-1.0", path: "https://creativecommons.org/publicdomain/zero/1.0/", title: "CC0 1.0 Universal"),
        "CC-BY-SA-4.0": .init(name: "CC-BY-SA-4.0", path: "https://creativecommons.org/licenses/by-sa/4.0/",
                              title: "Creative Commons Attribution-ShareAlike 4.0"),
        "ODC-BY-1.0": .init(name: "ODC-BY-1.0", path: "https://opendatacommons.org/licenses/by/1-0/", title: "Open Data Commons Attribution 1.0"),
        "PDDL-1.0": .init(name: "PDDL-1.0", path: "https://opendatacommons.org/licenses/pddl/1-0/", title: "Open Data Commons Public Domain Dedication 1.0"),
    ]
}

/// A published open-data package: `Content/data/<slug>/` as `compe export --package` wrote it
/// and the team committed it. `compe build` copies its files to `/data/<slug>/` and lists it,
/// with DCAT-AP metadata, on `/data/`.
public struct DataPackageSource: Sendable, Hashable {
    /// One file of the package's folder.
    public struct File: Sendable, Hashable {
        public var name: String
        public var path: String
        public var bytes: Int
    }

    /// One resource the descriptor lists.
    public struct Resource: Sendable, Hashable {
        public var name: String
        public var path: String
        public var mediaType: String
        public var title: String
    }

    public var slug: String
    /// Display path of `datapackage.json`.
    public var descriptorPath: String
    /// Title by language (`title` is English, `titles` has every language written).
    public var titles: [String: String]
    public var description: String
    /// `created`, ISO 8601.
    public var created: String
    public var license: DataLicense
    public var resources: [Resource]
    public var files: [File]

    /// The title in `language`, else English, else any.
    public func title(in language: String) -> String { titles[language] ?? titles["en"] ?? titles.values.sorted().first ?? slug }
}

/// Reads `Content/data/*/`.
public enum DataPackageFolder {
    /// Every package under `root`; problems go to `diags` (a missing or malformed descriptor,
    /// a resource whose file is not there, a file name that could not be a URL).
    public static func load(root: URL, display: String, diags: inout Diagnostics) -> [DataPackageSource] {
        let fm = FileManager.default
        guard let slugs = try? fm.contentsOfDirectory(atPath: root.path) else { return [] }
        var packages: [DataPackageSource] = []
        for slug in slugs.sorted() where !slug.hasPrefix(".") {
            let folder = root.appendingPathComponent(slug)
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
                diags.warning(SourceLocation(path: "\(display)/\(slug)"), "ignored: data/ holds one folder per package")
                continue
            }
            let descriptor = "\(display)/\(slug)/datapackage.json"
            guard ContentLoader.isSlug(Substring(slug)) else {
                diags.error(SourceLocation(path: "\(display)/\(slug)"), "data folder '\(slug)' must use only a-z, 0-9, '-' and '_' (it becomes the URL)")
                continue
            }
            var files: [DataPackageSource.File] = []
            for name in ((try? fm.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() where !name.hasPrefix(".") {
                let path = folder.appendingPathComponent(name).path
                guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
                      let attributes = try? fm.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeRegular else {
                    diags.warning(SourceLocation(path: "\(display)/\(slug)/\(name)"), "ignored: a package folder holds plain files named with a-z, 0-9, '.', '_' and '-'")
                    continue
                }
                files.append(.init(name: name, path: path, bytes: (attributes[.size] as? Int) ?? 0))
            }
            guard let data = fm.contents(atPath: folder.appendingPathComponent("datapackage.json").path) else {
                diags.error(SourceLocation(path: descriptor), "missing: write the package with 'compe export <contest> --package \(display)/\(slug)'")
                continue
            }
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                diags.error(SourceLocation(path: descriptor), "not a JSON object")
                continue
            }
            var titles = (json["titles"] as? [String: String]) ?? [:]
            if titles["en"] == nil, let t = json["title"] as? String { titles["en"] = t }
            let license = (json["licenses"] as? [[String: Any]])?.first.map {
                DataLicense(name: $0["name"] as? String ?? "", path: $0["path"] as? String ?? "", title: $0["title"] as? String ?? "")
            } ?? .default
            var resources: [DataPackageSource.Resource] = []
            for (i, r) in ((json["resources"] as? [[String: Any]]) ?? []).enumerated() {
                guard let path = r["path"] as? String, files.contains(where: { $0.name == path }) else {
                    diags.error(SourceLocation(path: descriptor), "resources[\(i)] names a file that is not in the folder: \(r["path"] as? String ?? "(no path)")")
                    continue
                }
                resources.append(.init(name: r["name"] as? String ?? path, path: path, mediaType: r["mediatype"] as? String ?? "text/csv",
                                       title: r["title"] as? String ?? path))
            }
            packages.append(DataPackageSource(slug: slug, descriptorPath: descriptor, titles: titles,
                                              description: json["description"] as? String ?? "", created: json["created"] as? String ?? "",
                                              license: license, resources: resources, files: files))
        }
        return packages
    }
}
