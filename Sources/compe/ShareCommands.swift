import ArgumentParser
import CompeContent
import CompeCore
import CompeServices
import CompeStore
import Foundation

/// `compe share`: a package for a partner under its agreement, and the log of every share.
struct Share: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the data a partner's agreement allows, signed, and log the share.",
        discussion: """
            The agreement is Content/sharing/<partner>.yml. Under basis: statistics the package holds the \
            contest's open-data tables with the agreement's k and only its fields; under basis: consent, the \
            rows of entrants whose consent to this version of the agreement stands. With policy.jsonld (the \
            agreement in ODRL), SHA256 and SHA256.sig, signed with the site key ('compe keys init'): the \
            partner checks it with 'signify -C -p site.pub -x SHA256.sig'. Refused outside the agreement's \
            period and for a contest it does not cover.
            """,
        subcommands: [Make.self, Log.self, Publish.self],
        defaultSubcommand: Make.self
    )

    struct Make: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "make", abstract: "Write a package for a partner (the default).")
        @Argument(help: "The partner's handle (the agreement's file name without .yml).") var partner: String
        @Option(help: "The contest (needed when the agreement covers several).") var contest: String?
        @Option(help: "A new or empty folder for the package.") var out: String
        @OptionGroup var options: DataOptions

        func run() async throws {
            let key = try SiteKey.load(data: directory(options.data))
            let user = ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.environment["LOGNAME"] ?? "unknown"
            let report = try await options.service().share(partner: partner, contest: contest, folder: directory(out), display: out, key: key, by: user)
            let rows = report.record.rows.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value) \($0.value == 1 ? "row" : "rows")" }.joined(separator: ", ")
            say("share #\(report.record.id) for \(partner) (\(report.record.contests.joined(separator: ", "))): \(rows)")
            say("wrote \(report.files.count) files to \(out); the partner checks them with: signify -C -p site.pub -x SHA256.sig")
        }
    }

    struct Publish: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the public register of shares, Content/sharing/register.json, for 'compe build' (/data/sharing/).",
            discussion: "Every agreement with the number of shares made under it and the last day. Review and commit it like results.")
        @OptionGroup var options: DataOptions

        func run() async throws {
            let folder = directory(options.content).appendingPathComponent("sharing")
            let file = folder.appendingPathComponent(SharingFolder.registerName)
            var diags = Diagnostics()
            let previous = SharingFolder.loadRegister(root: folder, display: "\(options.content)/sharing", diags: &diags)
            try diags.throwIfErrors()
            let register = try await options.service().sharingRegister(previous: previous)
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try register.json().write(to: file, options: .atomic)
            } catch {
                throw JudgingError.cannotWrite("\(options.content)/sharing/\(SharingFolder.registerName)", underlying: error)
            }
            let shares = register.partners.reduce(0) { $0 + $1.shares }
            say("wrote \(options.content)/sharing/\(SharingFolder.registerName): \(register.partners.count) \(register.partners.count == 1 ? "partner" : "partners"), "
                + "\(shares) \(shares == 1 ? "share" : "shares"); 'compe build' publishes it at /data/sharing/")
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every share made: when, with whom, under which agreement version, how many rows.")
        @Option(help: "Only this partner's shares.") var partner: String?
        @Flag(help: "JSON for tools.") var json = false
        @OptionGroup var options: DataOptions

        func run() async throws {
            let shares = try await options.store().shares(partner: partner)
            if json { return try printJSON(shares) }
            if shares.isEmpty { return say("no shares yet") }
            for s in shares {
                let rows = s.rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                say("#\(s.id)  \(UTCTimestamp.format(s.createdAt, milliseconds: false))  \(Terminal.line(s.partner))  \(s.contests.joined(separator: ","))  "
                    + "\(rows)  agreement \(s.agreementVersion.prefix(12))  list \(s.manifestSHA256.prefix(12))  by \(Terminal.line(s.createdBy))")
            }
        }
    }
}
