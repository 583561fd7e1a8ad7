import CompeClient
import CompeServices
import CompeWire
import Foundation

/// The judging service on this machine, for one judge.
public struct LocalJudge: JudgeClient {
    let service: JudgingService
    let judge: String

    public init(service: JudgingService, judge: String) {
        self.service = service
        self.judge = judge
    }

    public var isRemote: Bool { false }
    public var server: String? { nil }
    public func queue() async throws -> [QueueItem] { try await service.queue(judge: judge) }
    public func entry(_ ref: String) async throws -> JudgeEntryView { try await service.entry(judge: judge, ref: ref) }
    public func score(_ ref: String, _ submission: ScoreSubmission) async throws -> ScoreReceipt {
        try await service.score(judge: judge, ref: ref, submission, source: .local)
    }
    public func progress() async throws -> [JudgeProgress] { try await service.progress(judge: judge) }

    public func download(_ ref: String, file: JudgeEntryView.File, to destination: URL) async throws {
        let (_, url) = try await service.file(judge: judge, ref: ref, n: file.n)
        let tmp = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).part")
        try? FileManager.default.removeItem(at: tmp)
        try FileManager.default.copyItem(at: url, to: tmp)
        try Downloads.finish(tmp, as: destination, sha256: file.sha256)
    }
}

