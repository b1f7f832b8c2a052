import RelaisControlAPI
import Testing

/// Event ids (SPEC §12): `evt_`, the time in ten Crockford base32 characters so that ids sort
/// by time, then 80 random bits in sixteen.
struct OutboxEventIDTests {
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
}
