import Foundation
import RelaisCore
import RelaisXML

/// `[api.track]`'s reading of the reply (SPEC §13; the format is in docs/carriers.md).
extension CarrierLoader {
    /// Reads the keys only `[api.track]` has (in another operation they stay unread, and
    /// are reported as unknown keys).
    static func loadTrackReading(_ table: TableReader) -> TrackReading? {
        let events = path(table, "events", required: true)
        let code = path(table, "event_code", required: true)
        let at = path(table, "event_at")
        let date = path(table, "event_date")
        let time = path(table, "event_time")
        if table.has("event_at") == table.has("event_date") {
            table.error(nil, "[api.track] needs 'event_at' (one field) or 'event_date' (with 'event_time' when the time is apart), not both")
        }
        if time != nil, date == nil { table.error("event_time", "'event_time' goes with 'event_date'") }
        var format = CarrierTimeFormat.iso8601
        if let pattern = table.string("time_format"), pattern != "iso8601" {
            if let problem = CarrierTimeFormat.problem(in: pattern) {
                table.error("time_format", "time_format '\(pattern)': \(problem)")
            }
            format = .pattern(pattern)
        }
        let zoneName = table.string("time_zone") ?? "Europe/Paris"
        let zone = TimeZone(identifier: zoneName)
        if zone == nil { table.error("time_zone", "time_zone '\(zoneName)' is not a time zone (Europe/Paris, UTC, …)") }
        let label = path(table, "event_label")
        let location = path(table, "event_location")
        var statuses: [String: TrackingStatus] = [:]
        if let mapping = table.table("statuses", required: true, label: "[api.track.statuses]") {
            let codes = mapping.allKeys()
            if codes.isEmpty { mapping.error(nil, "[api.track.statuses] maps no code: every event would be unknown") }
            for key in codes {
                guard let name = mapping.string(key) else { continue }
                guard let status = TrackingStatus(rawValue: name) else {
                    mapping.error(key, "'\(name)' is not a status: one of \(TrackingStatus.names)")
                    continue
                }
                statuses[key] = status
            }
            mapping.finish()
        }
        guard let events, let code, let zone else { return nil }
        return TrackReading(
            events: events, code: code, at: at, date: date, time: time, format: format, timeZone: zone, label: label,
            location: location, statuses: statuses)
    }

    private static func path(_ table: TableReader, _ key: String, required: Bool = false) -> XMLPath? {
        guard let text = table.string(key, required: required) else { return nil }
        do {
            return try XMLPath(text)
        } catch {
            table.error(key, "'\(key)': \(error)")
            return nil
        }
    }
}
