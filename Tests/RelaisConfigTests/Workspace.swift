import Foundation
import RelaisTesting

/// A scratch copy of the shipped carriers, policies and relais.toml, for breaking on purpose.
struct Workspace {
    static let repository = Repository.root

    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("relais-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for name in ["carriers", "policies"] {
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
        try FileManager.default.copyItem(
            at: Self.repository.appendingPathComponent("systemd/relais.toml"), to: root.appendingPathComponent("relais.toml"))
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Replaces the first occurrence of `find` in `relative` and returns the 1-based line
    /// where the replacement stands.
    @discardableResult
    func replace(_ relative: String, _ find: String, with replacement: String) throws -> Int {
        let url = root.appendingPathComponent(relative)
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let range = text.range(of: find) else { throw WorkspaceError.notFound(find, relative) }
        let updated = text.replacingCharacters(in: range, with: replacement)
        try updated.write(to: url, atomically: true, encoding: .utf8)
        return text[..<range.lowerBound].filter { $0 == "\n" }.count + 1
    }

    func remove() { try? FileManager.default.removeItem(at: root) }

    enum WorkspaceError: Error { case notFound(String, String) }
}
