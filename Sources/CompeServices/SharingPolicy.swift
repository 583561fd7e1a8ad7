import CompeContent
import CompeCore
import Foundation

/// `policy.jsonld`: a sharing agreement as a W3C ODRL 2.2 `Agreement`, so what a partner may do
/// with a package travels with it in a form policy tools read: the site (assigner) lets the
/// partner (assignee) `use` the package (target) for the agreed purpose until the last day, with
/// the duty to `delete` it afterwards; `distribute` is prohibited unless the agreement allows
/// onward transfer (then permitted, with the reason).
///
/// The JSON-LD context is inline, not the remote `odrl.jsonld`: a partner's tools (and the
/// tests) read it without fetching anything.
public struct SharingPolicy: Encodable, Sendable {
    /// ODRL's namespace.
    public static let odrl = "http://www.w3.org/ns/odrl/2/"

    struct Context: Encodable, Sendable {
        let vocab = SharingPolicy.odrl
        let odrl = SharingPolicy.odrl
        let xsd = "http://www.w3.org/2001/XMLSchema#"
        let dct = "http://purl.org/dc/terms/"
        let uid = "@id"
        let type = "@type"
        let assigner = IRI.term, assignee = IRI.term, target = IRI.term
        let action = Vocab.term, leftOperand = Vocab.term, `operator` = Vocab.term
        let permission = Container.set, prohibition = Container.set, duty = Container.set, constraint = Container.set

        enum CodingKeys: String, CodingKey {
            case vocab = "@vocab", odrl, xsd, dct, uid, type, assigner, assignee, target, action, leftOperand, `operator`, permission,
                 prohibition, duty, constraint
        }
    }

    struct IRI: Encodable, Sendable {
        static let term = IRI()
        let type = "@id"
        enum CodingKeys: String, CodingKey { case type = "@type" }
    }

    struct Vocab: Encodable, Sendable {
        static let term = Vocab()
        let type = "@vocab"
        enum CodingKeys: String, CodingKey { case type = "@type" }
    }

    struct Container: Encodable, Sendable {
        static let set = Container()
        let container = "@set"
        enum CodingKeys: String, CodingKey { case container = "@container" }
    }

    /// A literal: text in a language, or a typed value (a date).
    struct Literal: Encodable, Sendable {
        let value: String
        var language: String?
        var type: String?
        enum CodingKeys: String, CodingKey { case value = "@value", language = "@language", type = "@type" }
    }

    struct Constraint: Encodable, Sendable {
        let leftOperand: String
        let `operator`: String
        let rightOperand: [Literal]
    }

    struct Duty: Encodable, Sendable {
        let action: String
        let constraint: [Constraint]
    }

    struct Rule: Encodable, Sendable {
        let target: String
        let action: String
        var constraint: [Constraint] = []
        var duty: [Duty] = []
        var description: String?
        enum CodingKeys: String, CodingKey { case target, action, constraint, duty, description = "dct:description" }
    }

    let context = Context()
    let type = "Agreement"
    let uid: String
    let title: String
    let issued: Literal
    let assigner: String
    let assignee: String
    let target: String
    let permission: [Rule]
    let prohibition: [Rule]

    enum CodingKeys: String, CodingKey {
        case context = "@context", type, uid, title = "dct:title", issued = "dct:issued", assigner, assignee, target, permission, prohibition
    }

    /// The policy of one package: `target` is the package's identity (`urn:uuid:…`), `issued`
    /// when it was made.
    public init(agreement a: SharingAgreement, config: SiteConfig, target: String, issued: Date) {
        let base = config.baseURL
        let party = "\(base)/data/sharing/#\(a.id)"
        self.uid = "\(party)-\(a.version)"
        self.title = "\(a.reference): \(a.partner["en"] ?? a.partner[config.defaultLanguage] ?? a.id)"
        self.issued = Literal(value: UTCTimestamp.format(issued, milliseconds: false), type: "xsd:dateTime")
        self.assigner = base + "/"
        self.assignee = party
        self.target = target
        let purpose = Constraint(leftOperand: "purpose", operator: "eq",
                                 rightOperand: config.languages.compactMap { lang in a.purpose[lang].map { Literal(value: $0, language: lang) } })
        let until = Literal(value: a.until, type: "xsd:date")
        let use = Rule(target: target, action: "use",
                       constraint: [purpose, Constraint(leftOperand: "dateTime", operator: "lteq", rightOperand: [until])],
                       duty: [Duty(action: "delete", constraint: [Constraint(leftOperand: "dateTime", operator: "gt", rightOperand: [until])])])
        switch a.onward {
        case .prohibited:
            permission = [use]
            prohibition = [Rule(target: target, action: "distribute")]
        case .allowed(let reason):
            permission = [use, Rule(target: target, action: "distribute", description: reason)]
            prohibition = []
        }
    }

    /// The file's bytes.
    public func json() throws -> Data { try JSONCoding.encoder(pretty: true).encode(self) }
}
