import RelaisControlAPI
import Testing

/// Event ids (SPEC §12): `evt_`, the time in ten Crockford base32 characters so that ids sort
/// by time, then 80 random bits in sixteen; and the tracking link of an event.
struct OutboxBodyTests {
    static let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    @Test func idsSortByTimeAndNeverRepeat() {
        let now: Int64 = 1_795_425_300_123
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let id = OutboxBody.newEventID(now: now)
            #expect(id.hasPrefix("evt_") && id.count == 30)
            #expect(id.dropFirst(4).allSatisfy(Self.alphabet.contains))
            seen.insert(id)
        }
        // Every random character drawn: 20,000 ids at one millisecond, none twice.
        #expect(seen.count == 20_000)
        // Each random position takes every value: no position is left constant.
        for position in 14..<30 {
            let characters = Set(seen.map { Array($0)[position] })
            #expect(characters.count == 32, "position \(position)")
        }
        let times: [Int64] = [0, 1, 31, 32, now, now + 1, 1 << 49]
        let ids = times.map { OutboxBody.newEventID(now: $0) }
        #expect(ids.map { $0.prefix(14) } == ids.map { $0.prefix(14) }.sorted())
        #expect(Set(ids.map { $0.prefix(14) }).count == times.count)
    }

    @Test func trackingLinksCarryTheNumberPercentEncoded() {
        let template = "https://t.example/{{tracking_number}}?n={{tracking_number}}&l=fr"
        #expect(OutboxBody.trackingURL(template: template, trackingNumber: "6A123-45_6.7~8") == "https://t.example/6A123-45_6.7~8?n=6A123-45_6.7~8&l=fr")
        #expect(OutboxBody.trackingURL(template: template, trackingNumber: "AB 12/3&x") == "https://t.example/AB%2012%2F3%26x?n=AB%2012%2F3%26x&l=fr")
        #expect(OutboxBody.trackingURL(template: "{{tracking_number}}", trackingNumber: "X1") == "X1")
        #expect(OutboxBody.trackingURL(template: "https://t.example/{{tracking}}", trackingNumber: "X1") == "https://t.example/{{tracking}}")
        // Letters beyond ASCII are encoded as their UTF-8 bytes; the template is left as it is.
        #expect(OutboxBody.trackingURL(template: "{{tracking_number}}é", trackingNumber: "Né1") == "N%C3%A91é")
    }
}
