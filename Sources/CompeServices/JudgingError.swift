import CompeCore
import CompeStore
import Foundation

/// Why a judging request was refused. The command line prints `description` (one line); the
/// judge API maps each case to a status and a message in the judge's language.
public enum JudgingError: Error, CustomStringConvertible {
    /// The content directory has errors, so contests cannot be read.
    case contentErrors([Diagnostic])
    /// No (published) contest with this slug.
    case unknownContest(String, known: [String], folder: String)
    /// No entry store in the data directory.
    case noStore(String)
    /// The reference is not in the judge's queue. One case for "not yours", "no such entry"
    /// and "an entry id in a blind contest", so an answer never tells which ids hide behind
    /// blind codes.
    case notInQueue(ref: String, judge: String)
    /// The entry has no file with this number (or it is missing from the upload store).
    case noSuchFile(ref: String, n: Int)
    /// Nothing was given to save.
    case nothingToSave(criteria: [String])
    /// Not one complete score sheet yet.
    case noCompleteSheets(contest: String)
    /// An entry needs more judges than the panel has free of conflicts.
    case shortage(entry: String, needed: Int, eligible: Int)
    /// A file could not be written (the results file, say).
    case cannotWrite(String, underlying: any Error)
    /// `compe announce` named an update that is not in the contest's updates/ folder.
    case unknownUpdate(String, contest: String, known: [String])
    /// Results asked for while the contest still takes entries.
    case stillOpen(contest: String, closes: Date)
    /// A shortlist asked for while its stage still takes submissions.
    case stageOpen(contest: String, stage: String, closes: Date)
    /// A token's expiry that has already passed.
    case expiryPassed(String)
    /// Not a day such as 2027-03-31.
    case badDay(String)
    /// No stage with this id in the contest.
    case unknownStage(String, contest: String, known: [String])
    /// A later stage asked for before the one before it published its shortlist.
    case noFinalists(contest: String, stage: String, previous: String)
    /// Final results asked for while an earlier stage is still being judged.
    case notLastStage(contest: String, stage: String, last: String)
    /// A shortlist asked for in the last stage (there is no stage to advance to).
    case lastStage(contest: String, stage: String)
    /// An entry named for a shortlist that is not (or no longer) in the stage.
    case notInStage(entry: String, contest: String, stage: String)
    /// The stage's shortlist was published already.
    case shortlistPublished(path: String)
    /// No shortlist file to publish.
    case noShortlist(contest: String, path: String)
    /// The shortlist file closes another stage than the current one.
    case shortlistOfAnotherStage(path: String, stage: String, current: String)
    /// The shortlist still holds a tie at the cut, with more entries than places.
    case tieAtCut(path: String, tied: [String], places: Int, listed: Int)
    /// The store refused or failed.
    case store(StoreError)

    public var description: String {
        switch self {
        case .contentErrors: return "the content has errors"
        case .unknownContest(let slug, let known, let folder):
            return "no contest '\(slug)' in \(folder)/contests/ (have: \(known.joined(separator: ", ")))"
        case .noStore(let data):
            return "no entry store in '\(data)/' (run 'compe serve' to receive entries, or pass --data)"
        case .notInQueue(let ref, let judge):
            return "'\(ref)' is not in \(judge)'s queue (blind contests take the blind code that 'compe judge queue --judge \(judge)' shows)"
        case .noSuchFile(let ref, let n):
            return "\(ref) has no file \(n)"
        case .nothingToSave(let criteria):
            return "nothing to save: give --set criterion=value (criteria: \(criteria.joined(separator: ", ")))"
        case .noCompleteSheets(let contest):
            return "no complete score sheets for \(contest) yet (see 'compe judge progress \(contest)')"
        case .shortage(let entry, let needed, let eligible):
            return "entry \(entry) needs \(needed) more judge(s) but only \(eligible) are free of conflicts; add judges or lower --per-entry"
        case .unknownUpdate(let name, let contest, let known):
            return "no update '\(name)' in contests/\(contest)/updates/ (" + (known.isEmpty ? "it has none" : "known: " + known.joined(separator: ", ")) + ")"
        case .cannotWrite(let path, let error):
            return "cannot write \(path): \((error as NSError).localizedDescription)"
        case .stillOpen(let contest, let closes):
            return "\(contest) takes entries until \(UTCTimestamp.format(closes, milliseconds: false)): results published now could never include "
                + "what is still sent; wait for the deadline, or pass --force to close the entry window now and publish"
        case .stageOpen(let contest, let stage, let closes):
            return "stage '\(stage)' of \(contest) takes submissions until \(UTCTimestamp.format(closes, milliseconds: false)): a shortlist published now "
                + "could not include what is still sent; wait for the deadline, or pass --force to close the stage now"
        case .expiryPassed(let day):
            return "--expires \(day) has already passed: a token must be valid for at least part of a day from now"
        case .badDay(let text):
            return "'\(text)' is not a day such as 2027-03-31"
        case .unknownStage(let stage, let contest, let known):
            return "\(contest) has no stage '\(stage)' (stages: \(known.joined(separator: ", ")))"
        case .noFinalists(let contest, let stage, let previous):
            return "no entries have reached stage '\(stage)' of \(contest) yet: publish the shortlist of '\(previous)' first (compe shortlist publish \(contest))"
        case .notLastStage(let contest, let stage, let last):
            return "\(contest) is judging stage '\(stage)': final results come from the last stage, '\(last)' (publish the shortlist first)"
        case .lastStage(let contest, let stage):
            return "'\(stage)' is the last stage of \(contest): nothing follows it, so it has results (compe results publish), not a shortlist"
        case .notInStage(let entry, let contest, let stage):
            return "\(entry) is not an active entry of stage '\(stage)' of \(contest)"
        case .shortlistPublished(let path):
            return "\(path) is published already: a published shortlist does not change"
        case .noShortlist(let contest, let path):
            return "no \(path) to publish: propose one first with 'compe shortlist \(contest)'"
        case .shortlistOfAnotherStage(let path, let stage, let current):
            return "\(path) closes stage '\(stage)' but the stage being judged is '\(current)'"
        case .tieAtCut(let path, let tied, let places, let listed):
            return "\(path) lists \(listed) entries for \(places) places because \(tied.joined(separator: ", ")) tie at the cut: "
                + "remove entries from it, or delete 'tied_at_cut' to send all \(listed) on"
        case .store(let error):
            return error.description
        }
    }
}
