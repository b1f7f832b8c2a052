/// Why a store operation failed, for the operator and the control API.
public struct StoreError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Code: Hashable, Sendable {
        case durability
        case notFound
        case refused
    }

    let code: Code
    public let message: String

    public var description: String { message }

    /// `PRAGMA synchronous` did not read back FULL (2): an acknowledged write could be lost.
    public static func durability(_ level: Int?) -> StoreError {
        StoreError(code: .durability, message: "PRAGMA synchronous reads back \(level.map(String.init) ?? "nothing"), not 2 (FULL)")
    }

    public static func notFound(_ what: String) -> StoreError { StoreError(code: .notFound, message: "no \(what)") }

    /// A state change the lifecycle does not allow.
    public static func refused(_ reason: String) -> StoreError { StoreError(code: .refused, message: reason) }

    public var isNotFound: Bool { code == .notFound }
    public var isRefused: Bool { code == .refused }
}
