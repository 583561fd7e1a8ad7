import ArgumentParser
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
struct Verify: ParsableCommand {
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
