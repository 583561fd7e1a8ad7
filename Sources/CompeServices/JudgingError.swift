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
    /// A token's expiry that has already passed.
    case expiryPassed(String)
    /// Not a day such as 2027-03-31.
    case badDay(String)
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
        case .expiryPassed(let day):
            return "--expires \(day) has already passed: a token must be valid for at least part of a day from now"
        case .badDay(let text):
            return "'\(text)' is not a day such as 2027-03-31"
        case .store(let error):
            return error.description
        }
    }
}
