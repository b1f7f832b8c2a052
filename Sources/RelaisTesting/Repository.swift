import Foundation

/// The repository the tests run from: the shipped carriers, policies, samples and systemd
/// files that tests load as users would.
public enum Repository {
    /// The repository's root (this file is `Sources/RelaisTesting/Repository.swift`).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A file or folder of the repository, by its path from the root.
    public static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
