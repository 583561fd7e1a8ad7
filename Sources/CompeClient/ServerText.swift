import CompeCore
import Foundation

/// Everything a server sends is untrusted text to the judge's terminal: a criterion name, a
/// rubric, a contest slug or an error message could carry an escape sequence that rewrites the
/// screen, or a bidi override that reorders what the judge reads. Answers pass through here
/// before they are decoded, so every string (and every key) has had the same control-character
/// rule as entrant text (`PlainText`), whichever field it ends up in.
enum ServerText {
    /// The JSON `data` with every string cleaned; `data` itself when it is not JSON.
    static func cleaned(_ data: Data) -> Data {
        guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return data }
        let clean = scrub(value)
        return (try? JSONSerialization.data(withJSONObject: clean, options: [.fragmentsAllowed])) ?? data
    }

    private static func scrub(_ value: Any) -> Any {
        switch value {
        case let s as String: return PlainText.clean(s)
        case let a as [Any]: return a.map(scrub)
        case let d as [String: Any]:
            var out: [String: Any] = [:]
            for (k, v) in d { out[PlainText.clean(k)] = scrub(v) }
            return out
        default: return value
        }
    }
}
