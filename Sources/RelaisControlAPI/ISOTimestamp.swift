import Foundation

/// Instants as replies and outbox events write them.
public enum ISOTimestamp {
    /// ISO 8601, UTC, to the millisecond: `2026-11-23T10:15:02.123Z`.
    public static func string(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
