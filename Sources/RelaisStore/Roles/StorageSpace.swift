/// Whether the store's storage has room again after it filled up: stages paused by a full
/// disk resume on this, rather than on the first write that happens to fit in a free page.
public protocol StorageSpace: Sendable {
    /// True when there is room enough to resume writing (or when the store cannot tell).
    func hasRoomToResume() -> Bool
}
