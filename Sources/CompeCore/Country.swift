import Foundation

/// Countries as ISO 3166-1 alpha-2 codes: what the entry form offers (a list with names in the
/// page's language), what the store keeps, and what statistics and open data count. A code is
/// the same for every entrant whatever language they used ("日本" and "Japan" are one country),
/// and it is not free text, so it cannot carry a formula into a spreadsheet.
///
/// The codes are the 249 officially assigned ones; names come from the Unicode CLDR data that
/// Foundation carries (ICU), in the language asked for, English when that has none.
public enum Country {
    /// Every officially assigned ISO 3166-1 alpha-2 code, in alphabetical order.
    public static let codes: [String] = """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
        CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
        GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
        KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT \
        MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW \
        SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG \
        UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
        """.split(separator: " ").map(String.init)

    private static let known = Set(codes)

    /// `text` as a code when it is one (any case, surrounding spaces ignored); nil otherwise.
    public static func code(_ text: String) -> String? {
        let c = text.trimmingCharacters(in: .whitespaces).uppercased()
        return known.contains(c) ? c : nil
    }

    /// Whether `text` is exactly a code as the store keeps it (upper case).
    public static func isCode(_ text: String) -> Bool { known.contains(text) }

    /// The country's name in `language` (`ja`, `en`, …); the code itself when there is none.
    public static func name(_ code: String, language: String) -> String {
        names(language)[code] ?? code
    }

    /// Every code with its name in `language`, sorted as people of that language look for them
    /// (by name, in the language's collation).
    public static func list(language: String) -> [(code: String, name: String)] {
        sortedLists[language] ?? makeList(language)
    }

    static func makeList(_ language: String) -> [(code: String, name: String)] {
        let names = names(language)
        let locale = Locale(identifier: language)
        return codes.map { ($0, names[$0] ?? $0) }.sorted {
            $0.1.compare($1.1, options: [.caseInsensitive], range: nil, locale: locale) == .orderedAscending
        }
    }

    /// Names of a text an entrant may have typed before the form offered codes, lower case,
    /// with the code each stands for: every code, its names in English and Japanese, and the
    /// common short forms. A name two countries share ("Congo", "Korea") is left out, so it
    /// maps to nothing rather than to the wrong one.
    public static var aliases: [String: String] {
        var all: [String: Set<String>] = [:]
        func add(_ name: String, _ code: String) {
            let key = name.trimmingCharacters(in: .whitespaces).lowercased()
            if !key.isEmpty { all[key, default: []].insert(code) }
        }
        for code in codes {
            add(code, code)
            for language in ["en", "ja"] { if let name = names(language)[code] { add(name, code) } }
        }
        for (name, code) in extraAliases { add(name, code) }
        return all.compactMapValues { $0.count == 1 ? $0.first : nil }
    }

    /// Short and official forms people type that CLDR's names do not cover.
    static let extraAliases: [(String, String)] = [
        ("USA", "US"), ("U.S.", "US"), ("U.S.A.", "US"), ("United States of America", "US"), ("America", "US"), ("アメリカ", "US"),
        ("アメリカ合衆国", "US"), ("米国", "US"), ("UK", "GB"), ("U.K.", "GB"), ("Great Britain", "GB"), ("Britain", "GB"),
        ("England", "GB"), ("Scotland", "GB"), ("Wales", "GB"), ("イギリス", "GB"), ("英国", "GB"), ("Japan", "JP"), ("日本国", "JP"),
        ("Nippon", "JP"), ("Nihon", "JP"), ("South Korea", "KR"), ("Republic of Korea", "KR"), ("韓国", "KR"), ("大韓民国", "KR"),
        ("North Korea", "KP"), ("China", "CN"), ("PRC", "CN"), ("中国", "CN"), ("中華人民共和国", "CN"), ("Taiwan", "TW"), ("台湾", "TW"),
        ("Hong Kong", "HK"), ("香港", "HK"), ("Russia", "RU"), ("ロシア", "RU"), ("Vietnam", "VN"), ("Viet Nam", "VN"), ("ベトナム", "VN"),
        ("Deutschland", "DE"), ("ドイツ", "DE"), ("France", "FR"), ("フランス", "FR"), ("India", "IN"), ("インド", "IN"),
        ("Czech Republic", "CZ"), ("Holland", "NL"), ("The Netherlands", "NL"), ("オランダ", "NL"), ("UAE", "AE"),
        ("Türkiye", "TR"), ("Turkey", "TR"), ("Ivory Coast", "CI"), ("Burma", "MM"), ("Swaziland", "SZ"), ("Macedonia", "MK"),
        ("Laos", "LA"), ("Iran", "IR"), ("Syria", "SY"), ("Bolivia", "BO"), ("Venezuela", "VE"), ("Tanzania", "TZ"), ("Moldova", "MD"),
        ("Brasil", "BR"), ("España", "ES"), ("México", "MX"), ("Philippines", "PH"), ("フィリピン", "PH"), ("Singapore", "SG"),
        ("シンガポール", "SG"), ("Thailand", "TH"), ("タイ", "TH"), ("Indonesia", "ID"), ("インドネシア", "ID"), ("Malaysia", "MY"),
        ("マレーシア", "MY"), ("Australia", "AU"), ("オーストラリア", "AU"), ("Canada", "CA"), ("カナダ", "CA"),
    ]

    /// The theme's two languages, made once: a `static let` is initialised once, thread-safely,
    /// and ThreadSanitizer sees it so (a cache behind a contended Mutex is handed over by a futex
    /// it cannot see, and the parallel build reads these from every thread). Other languages are
    /// made on each call.
    private static let nameTables: [String: [String: String]] = ["ja": makeNames("ja"), "en": makeNames("en")]
    private static let sortedLists: [String: [(code: String, name: String)]] = ["ja": makeList("ja"), "en": makeList("en")]

    /// Code → name in `language`, from CLDR.
    static func names(_ language: String) -> [String: String] {
        nameTables[language] ?? makeNames(language)
    }

    static func makeNames(_ language: String) -> [String: String] {
        let locale = Locale(identifier: language)
        let english = Locale(identifier: "en")
        var table: [String: String] = [:]
        for code in codes {
            table[code] = locale.localizedString(forRegionCode: code) ?? english.localizedString(forRegionCode: code) ?? code
        }
        return table
    }
}
