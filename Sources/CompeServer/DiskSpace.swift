import Foundation

/// Free space on the disk that holds the data directory, checked before an upload is read and
/// by `/healthz`: below `minimumFree` uploads wait (503) and the server reports itself degraded,
/// so a load balancer can drain it before a write fails.
public struct DiskSpace: Sendable {
    /// The data directory.
    public let directory: URL
    /// Bytes that must stay free (`--min-free-mb`).
    public let minimumFree: Int64

    /// Watches `directory`'s disk with a floor of `minimumFreeMB` MiB (0: no floor).
    public init(directory: URL, minimumFreeMB: Int) {
        self.directory = directory
        minimumFree = Int64(minimumFreeMB) * 1024 * 1024
    }

    /// Bytes available to compe on the disk now (nil when it cannot be read).
    public var free: Int64? {
        var info = statvfs()
        guard statvfs(directory.path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Why uploads should wait now, or nil.
    public var shortage: String? {
        guard minimumFree > 0, let free, free < minimumFree else { return nil }
        return "free space on the data disk is \(free / 1024 / 1024) MB, under the \(minimumFree / 1024 / 1024) MB floor (--min-free-mb)"
    }
}
