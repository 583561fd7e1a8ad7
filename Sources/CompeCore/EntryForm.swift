/// The entry form, once: which fields it has, their limits and kinds, and the UI strings that
/// label them. The validator, the contest page's form and the entrant's edit form are all made
/// from this list, so they cannot drift apart.
public enum EntryForm {
    /// One field of the form.
    public struct Field: Sendable, Hashable {
        /// What a field holds, which decides its control and its checks.
        public enum Kind: Sendable, Hashable {
            /// One line of text.
            case line
            /// An e-mail address.
            case email
            /// An absolute https URL.
            case httpsURL
            /// A country, chosen from a list: an ISO 3166-1 alpha-2 code (`Country`).
            case country
            /// Several lines of text (Markdown for the summary), `rows` high.
            case text(rows: Int)
            /// One member per line; the contest's team size bounds the count.
            case memberList(rows: Int)
            /// The uploaded files.
            case files
            /// The terms checkbox.
            case consent
            /// A trap for bots: hidden from people and screen readers, must stay empty.
            case honeypot
        }

        /// The form field's name.
        public var name: String
        /// What it holds.
        public var kind: Kind
        /// Whether it must be filled in.
        public var required: Bool
        /// Most characters accepted (after line ends are normalised and controls removed).
        public var maxLength: Int?
        /// UI string key of its label.
        public var label: String
        /// UI string key of its help text, if any.
        public var help: String?
        /// The suffix of its HTML id (`f-<suffix>` on the contest page, `e-<suffix>` when editing).
        public var htmlID: String
        /// The browser's autofill hint.
        public var autocomplete: String?

        /// Creates a field (defaults: no limit, no help, no autofill hint).
        public init(name: String, kind: Kind, required: Bool, maxLength: Int? = nil, label: String, help: String? = nil,
                    htmlID: String, autocomplete: String? = nil) {
            self.name = name
            self.kind = kind
            self.required = required
            self.maxLength = maxLength
            self.label = label
            self.help = help
            self.htmlID = htmlID
            self.autocomplete = autocomplete
        }
    }

    /// Every field, in the order the form shows them.
    public static let fields: [Field] = [
        Field(name: "title", kind: .line, required: true, maxLength: 200, label: "f_title", htmlID: "title", autocomplete: "off"),
        Field(name: "summary", kind: .text(rows: 10), required: true, maxLength: 5000, label: "f_summary", help: "f_summary_help",
              htmlID: "summary"),
        Field(name: "team_name", kind: .line, required: true, maxLength: 200, label: "f_team_name", htmlID: "team",
              autocomplete: "organization"),
        // The member list's real bound is the team size (shown in its help); the character cap
        // only keeps a pasted document out, so the form does not announce it.
        Field(name: "members", kind: .memberList(rows: 4), required: true, maxLength: 5000, label: "f_members", help: "f_members_help",
              htmlID: "members"),
        Field(name: "contact_email", kind: .email, required: true, maxLength: 254, label: "f_email", htmlID: "email", autocomplete: "email"),
        Field(name: "country", kind: .country, required: true, label: "f_country", htmlID: "country",
              autocomplete: "country"),
        Field(name: "link", kind: .httpsURL, required: false, maxLength: 2000, label: "f_link", help: "f_link_help", htmlID: "link"),
        Field(name: "files", kind: .files, required: true, label: "f_files", htmlID: "files"),
        honeypotField,
        Field(name: "agree_terms", kind: .consent, required: true, label: "f_agree", htmlID: "agree"),
    ]

    /// Fields the form may send besides the entry's own: `lang` picks the language of answers,
    /// `token` and `action` serve the entrant's edit and withdraw forms.
    public static let auxiliaryFields: Set<String> = ["lang", "token", "action"]

    /// The field called `name`.
    public static func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// The bot trap: a real form sends it empty.
    static let honeypotField = Field(name: "website", kind: .honeypot, required: false, label: "f_website", htmlID: "website",
                                     autocomplete: "off")

    /// The name of the honeypot field.
    public static var honeypot: String { honeypotField.name }
}
