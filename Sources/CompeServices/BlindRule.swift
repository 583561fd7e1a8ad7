import CompeCore
import CompeStore
import CompeWire

/// How a blind contest hides who sent an entry, in one place: a judge names an entry by its
/// blind code only (an entry id is refused exactly like an entry outside the queue, so
/// answers never link ids to codes), and sees no team, members, country, link or file name.
public enum BlindRule {
    /// What the judge calls assignment `a`: its blind code in a blind contest, else the entry id.
    public static func ref(_ a: Assignment, in contest: Contest) -> String {
        ref(code: a.entry.code, blindCode: a.blindCode, in: contest)
    }

    /// The same, from an entry id and a blind code.
    public static func ref(code: String, blindCode: String, in contest: Contest) -> String {
        contest.judging.blind ? blindCode : code
    }

    /// Whether `ref` may name an entry of `contest`: in a blind contest, never an entry id.
    public static func accepts(_ ref: String, in contest: Contest) -> Bool {
        !(contest.judging.blind && EntryCode.parse(ref) != nil)
    }

    /// The name a judge sees for file `n` (from 1): `file-N.kind` in a blind contest.
    public static func fileName(_ file: EntryFile, n: Int, in contest: Contest) -> String {
        contest.judging.blind ? "file-\(n).\(file.kind)" : file.name
    }

    /// The judge's view of assignment `a`.
    static func view(_ a: Assignment, contest: Contest, sheet: ScoreSheet, uploads: UploadStore) -> JudgeEntryView {
        let e = a.entry, blind = contest.judging.blind
        return JudgeEntryView(
            ref: ref(a, in: contest), contest: contest.slug, title: e.draft.title, summary: e.draft.summary,
            team: blind ? nil : e.draft.teamName, members: blind ? nil : e.draft.members, country: blind ? nil : e.draft.country,
            link: blind ? nil : e.draft.link,
            files: e.files.enumerated().map { i, f in
                // Blind judges get images without their metadata (EXIF, XMP, comments…), announced
                // with the copy's own size and hash, so the download checks against what is sent.
                if blind, let kind = FileKind(rawValue: f.kind), let copy = try? uploads.blindCopy(sha256: f.sha256, kind: kind) {
                    return JudgeEntryView.File(n: i + 1, name: fileName(f, n: i + 1, in: contest), kind: f.kind, bytes: copy.bytes,
                                               sha256: copy.sha256, localPath: copy.url.path)
                }
                return JudgeEntryView.File(n: i + 1, name: fileName(f, n: i + 1, in: contest), kind: f.kind, bytes: f.bytes, sha256: f.sha256,
                                           localPath: uploads.file(sha256: f.sha256)?.path)
            },
            criteria: contest.criteria.map { c in
                JudgeEntryView.Criterion(id: c.id, name: c.name, weight: c.weight, scale: [c.scaleMin, c.scaleMax], rubric: c.rubric)
            },
            sheet: JudgeEntryView.Sheet(values: sheet.values, comment: sheet.comment, revision: sheet.revision), stage: a.stage)
    }
}
