import ArgumentParser
import CompeCore
import CompeContent
import CompeClient
import CompeServices
import Foundation

/// `compe keys init`: the site's signing key.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The site's signing key (signed data packages).",
        subcommands: [Init.self])

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the site's Ed25519 signing key.",
            discussion: """
                Writes the secret key to <data>/site.sec (0600, signify's format without a passphrase; \
                'compe backup' includes it) and the public key to <content>/site.pub, which 'compe build' \
                publishes at /data/site.pub. Commit site.pub: partners check packages with \
                'signify -C -p site.pub -x SHA256.sig'. Never replaces a key.
                """)
        @Option(help: "The data directory that keeps the secret key.") var data = "Data"
        @Option(help: "The content directory that gets site.pub.") var content = "Content"

        func run() throws {
            try SiteKey.initialise(data: directory(data), content: directory(content))
            say("wrote \(data)/\(SiteKey.secretName) (secret, keep it with the data) and \(content)/\(SiteKey.publicName) (public: commit it)")
        }
    }
}

/// `compe verify DIR`: a signed package checked as a partner would.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check what compe signed: a data package (the default), an entry's receipt, or a contest's published log.",
        subcommands: [Package.self, Receipt.self, LogCheck.self],
        defaultSubcommand: Package.self)

    struct Package: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a signed data package: its signature, every file's hash, nothing added.",
            discussion: """
                The same checks as 'signify -C -p site.pub -x SHA256.sig' run inside the folder, and \
                datapackage.json and policy.jsonld must be among the signed files. Prints one line; exits 1 \
                when anything does not check.
                """)
        @Argument(help: "The package's folder.") var folder: String
        @Option(help: "The site's public key (as published at /data/site.pub).") var key = "Content/site.pub"

        func run() throws {
            let publicKey = try SitePublicKey.load(directory(key))
            let verified = try SignedPackage.verify(folder: directory(folder), publicKey: publicKey, required: ["datapackage.json", "policy.jsonld"])
            say("\(folder): signature good, \(verified.files.count) files match their SHA-256")
        }
    }

    struct Receipt: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that an entry is in its contest's published log and in the final signed head.",
            discussion: """
                Reads the receipt (the entry API's JSON answer, or the data the receipt page and mail give), fetches \
                /contests/<slug>/log/heads.json, leaves.json, events.json and site.pub from the site, checks every head's signature \
                and root, recomputes each of the entry's leaves from its data and salt, and checks its inclusion in \
                the final head (RFC 9162). One line; exit 1 with what does not match.
                """)
        @Argument(help: "The receipt file (JSON).") var receipt: String
        @Option(help: "The site's address, such as https://compe.example.go.jp.") var site: String
        @Option(name: .customLong("ca-file"), help: "A private CA's certificate (PEM) to trust for the site.") var caFile: String?

        func run() async throws {
            guard let data = FileManager.default.contents(atPath: receipt),
                  let file = try? JSONDecoder().decode(LogReceiptFile.self, from: data), !file.log.isEmpty else {
                throw ValidationError("\(receipt) is not a receipt with a 'log' part (the entry API's JSON receipt, or the data on the receipt page)")
            }
            let published = try await PublishedLog.fetch(contest: file.contest, site: site, caFile: caFile)
            let problems = published.problems + file.log.compactMap { EntryLogCheck.receipt($0, leaves: published.leaves, events: published.events, final: published.final) }
            guard problems.isEmpty else { throw VerifyFailure(message: "\(file.id): " + problems.joined(separator: "; ")) }
            say("\(file.id): \(file.log.count == 1 ? "its event is" : "all \(file.log.count) events are") in the log of \(file.contest) and in its final "
                + "signed head (\(published.final.size) \(published.final.size == 1 ? "event" : "events"), \(published.final.time))")
        }
    }

    struct LogCheck: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Check a contest's published log: every head signed by the site's key and the root of its leaves, each extending the last, "
                + "and its active entries the entries the results rank.",
            discussion: """
                Fetches /contests/<slug>/log/heads.json, leaves.json, events.json and site.pub, and /contests/<slug>/results.json \
                once the results are published. The active entries of the final head (received and not withdrawn, from \
                events.json) must be the number of entries the results judged (every ranked entry; in a contest in stages, \
                every entry of the first stage). One line; exit 1 with what does not match.
                """)
        @Argument(help: "The contest's slug.") var contest: String
        @Option(help: "The site's address, such as https://compe.example.go.jp.") var site: String
        @Option(name: .customLong("ca-file"), help: "A private CA's certificate (PEM) to trust for the site.") var caFile: String?

        func run() async throws {
            let published = try await PublishedLog.fetch(contest: contest, site: site, caFile: caFile, withResults: true)
            var problems = published.problems
            if let ranked = published.ranked, let problem = EntryLogCheck.ranked(ranked, events: published.events, final: published.final) {
                problems.append(problem)
            }
            guard problems.isEmpty else { throw VerifyFailure(message: "\(contest): " + problems.joined(separator: "; ")) }
            let final = published.final, active = EntryLogCheck.activeEntries(events: published.events, size: final.size)
            let entries = "\(active) active \(active == 1 ? "entry" : "entries")"
            say("\(contest): \(published.heads.count) signed \(published.heads.count == 1 ? "head" : "heads"), each the root of its leaves and "
                + "extending the one before; the final covers \(final.size) \(final.size == 1 ? "event" : "events") (\(final.time)), "
                + (published.ranked == nil ? "\(entries); no results published yet" : "\(entries), the number the results rank"))
        }
    }
}

/// A check that found something wrong: said in one line, exit 1.
struct VerifyFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A contest's log as its site publishes it, with the problems the published files have.
struct PublishedLog {
    var leaves: [String]
    var events: [String]
    var heads: [SignedHead]
    var problems: [String]
    var final: SignedHead
    /// The entries the published results judged (`results.json`'s `ranked`); nil before results.
    var ranked: Int?

    static func fetch(contest: String, site: String, caFile: String?, withResults: Bool = false) async throws -> PublishedLog {
        let reader = try PublicSite(site, caFile: caFile)
        defer { Task { await reader.shutdown() } }
        let folder = "/contests/\(contest)/log/"
        let leavesData = try await reader.get(folder + EntryLogFiles.leavesName)
        let headsData = try await reader.get(folder + EntryLogFiles.headsName)
        let eventsData = try await reader.get(folder + EntryLogFiles.eventsName)
        guard let leaves = try? JSONDecoder().decode([String].self, from: leavesData) else {
            throw VerifyFailure(message: "\(reader.base)\(folder)\(EntryLogFiles.leavesName) is not a list of leaf hashes")
        }
        guard let events = try? JSONDecoder().decode([String].self, from: eventsData) else {
            throw VerifyFailure(message: "\(reader.base)\(folder)\(EntryLogFiles.eventsName) is not a list of events")
        }
        var ranked: Int?
        if withResults, let data = try await reader.getIfPublished("/contests/\(contest)/results.json") {
            struct Results: Decodable { var ranked: Int }
            guard let results = try? JSONDecoder().decode(Results.self, from: data) else {
                throw VerifyFailure(message: "\(reader.base)/contests/\(contest)/results.json has no 'ranked' count")
            }
            ranked = results.ranked
        }
        guard let heads = try? JSONDecoder().decode([SignedHead].self, from: headsData),
              let final = heads.last else {
            throw VerifyFailure(message: "\(reader.base)\(folder)\(EntryLogFiles.headsName) holds no signed head")
        }
        let key = try SitePublicKey(file: String(decoding: try await reader.get(folder + "site.pub"), as: UTF8.self))
        let problems = EntryLogCheck.log(leaves: leaves, heads: heads) { head in
            guard let signature = Data(base64Encoded: head.signature) else { return false }
            return key.isValid(signature, for: head.body)
        } + EntryLogCheck.events(events, leaves: leaves.count)
        return PublishedLog(leaves: leaves, events: events, heads: heads, problems: problems, final: final, ranked: ranked)
    }
}
