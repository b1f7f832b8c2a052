import Foundation
import RelaisTesting
import Testing
import RelaisCore
@testable import RelaisControlAPI

/// ``JSONText`` writes what `JSONEncoder` with sorted keys (the outbox's encoder) writes,
/// byte for byte, for every reply it writes and every kind of value in them.
@Suite struct JSONTextTests {
    /// Random cases drawn from a seeded generator: the same cases on every run.
    struct Generator {
        var seeded: SeededGenerator
        init(state: UInt64) { seeded = SeededGenerator(state: state) }
        mutating func next() -> UInt64 { seeded.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance() -> Bool { below(2) == 0 }

        static let pieces: [String] =
            (0..<0x20).map { String(Unicode.Scalar(UInt8($0))) } + [
                "\u{7F}", "\"", "\\", "/", "é", "\u{2028}", "🚲", "S-1", " ", "Zoë", "<a&b>", "'", "2026-11-30T08:00:00Z",
            ]
        mutating func text() -> String { (0..<below(6)).map { _ in Self.pieces[below(Self.pieces.count)] }.joined() }
        mutating func maybeText() -> String? { chance() ? text() : nil }

        static let doubles: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.2 + 0.1, 1234.5678, 1e-7, 1e16, 1e21, 123_456_789_012_345_680, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            2.5, 1.005, 1_000_000,
        ]
        mutating func double() -> Double {
            chance() ? Self.doubles[below(Self.doubles.count)] : Double(Int64(bitPattern: next()) % 10_000_000) / 1000
        }
        mutating func maybeDouble() -> Double? { chance() ? double() : nil }
        mutating func maybeInt() -> Int? { chance() ? Int(Int32(truncatingIfNeeded: next())) : nil }
    }

    func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    func written(_ value: some JSONWritable) throws -> String {
        var json = JSONText()
        try value.write(to: &json)
        return String(decoding: json.bytes, as: UTF8.self)
    }

    /// Where the two texts first differ, with some context.
    func expectSame(_ value: some JSONWritable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (ours, theirs) = (Array(try written(value).utf8), Array(try encoded(value).utf8))
        guard ours != theirs else { return }
        let at = zip(ours, theirs).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(ours.count, theirs.count)
        func around(_ bytes: [UInt8]) -> String { String(decoding: bytes[max(0, at - 40)..<min(bytes.count, at + 40)], as: UTF8.self) }
        Issue.record("at byte \(at): ours …\(around(ours))… JSONEncoder's …\(around(theirs))…", sourceLocation: sourceLocation)
    }

    /// One value in an array (whose order is fixed), byte for byte.
    func expectSameBytes(_ write: (inout JSONText) throws -> Void, _ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var json = JSONText()
        json.beginArray()
        json.element()
        try write(&json)
        json.endArray()
        let ours = String(decoding: json.bytes, as: UTF8.self)
        let theirs = try encoded([value])
        #expect(ours == theirs, sourceLocation: sourceLocation)
    }

    func shipment(_ g: inout Generator) -> ShipmentReply {
        var reply = ShipmentReply(
            id: g.text(), state: g.text(), orders: (0..<g.below(3)).map { _ in g.text() }, site: g.text(), carrier: g.maybeText(),
            service: g.maybeText(), trackingNumber: g.maybeText(), price: g.maybeText(), currency: g.maybeText(), eta: g.maybeText(),
            co2eGrams: g.maybeDouble(), late: g.chance(), labelPath: g.maybeText(), reason: g.maybeText(),
            nextAttemptAt: g.maybeText(), createdAt: g.text(), updatedAt: g.text(),
            attempts: g.chance()
                ? nil
                : (0..<g.below(3)).map { _ in
                    AttemptReply(
                        carrier: g.text(), service: g.text(), startedAt: g.text(), finishedAt: g.maybeText(), outcome: g.maybeText(),
                        failureClass: g.maybeText(), httpStatus: g.maybeInt(), durationMilliseconds: g.maybeInt(), detail: g.maybeText())
                })
        if g.chance() {
            var ghg = GHGReply(
                ShipmentEmissions(co2eGrams: 1234, dataQuality: 2, distanceKm: 12.3, distanceBasis: .greatCircle, parcels: 1, weightKg: 2))
            ghg.co2eKg = g.double()
            ghg.distanceKm = g.maybeDouble()
            ghg.distanceBasis = g.maybeText()
            ghg.parcels = g.maybeInt()
            ghg.tonneKm = g.maybeDouble()
            reply.ghg = ghg
        }
        reply.trackingURL = g.maybeText()
        reply.promisedBy = g.maybeText()
        if g.chance() { reply.label = LabelReply(format: g.text(), base64: g.text()) }
        if g.chance() {
            let event = g.chance()
                ? TrackingEventReply(at: g.text(), status: g.text(), code: g.text(), label: g.maybeText(), location: g.maybeText()) : nil
            reply.tracking = ShipmentTrackingReply(status: g.maybeText(), statusAt: g.maybeText(), event: event)
        }
        if g.chance() { reply.returnOf = ReturnReply(id: g.text(), order: g.text(), reason: g.maybeText()) }
        return reply
    }

    @Test func writesWhatTheEncoderWrites() throws {
        var g = Generator(state: 19)
        for _ in 0..<500 {
            let one = shipment(&g)
            try expectSame(one)
        }
        let list = ShipmentListReply(shipments: (0..<20).map { _ in shipment(&g) })
        try expectSame(list)
        #expect(try written(ShipmentListReply(shipments: [])) == #"{"shipments":[]}"#)
    }

    func status(_ g: inout Generator) -> StatusReply {
        // The real states and tracking statuses, and keys that sort differently by bytes
        // and by case or numerically, should a state ever be named so.
        let names = ShipmentState.allCases.map(\.rawValue) + ["in_transit", "out_for_delivery", "Zulu", "a10", "a9", "a_b", "ab", "é"]
        func counts() -> [String: Int] {
            Dictionary((0..<g.below(names.count)).map { _ in (names[g.below(names.count)], g.below(100_000)) }, uniquingKeysWith: +)
        }
        var reply = StatusReply(
            version: g.text(), uptimeSeconds: g.below(1_000_000), pid: Int32(g.below(4_000_000)),
            policy: .init(name: g.text(), sha256: g.text()), queue: counts(),
            carriers: (0..<g.below(4)).map { _ in .init(id: g.text(), state: g.text(), reason: g.maybeText()) },
            pendingOrders: g.below(1000), configurationLoadedAt: g.text(), alerts: g.chance() ? (0..<g.below(3)).map { _ in g.text() } : nil)
        reply.node = g.maybeText()
        if g.chance() {
            reply.otherNodes = (0..<g.below(3)).map { _ in
                .init(node: g.text(), shipments: g.below(500), leaseUntil: g.text(), expired: g.chance())
            }
        }
        if g.chance() {
            reply.outbox = (0..<g.below(3)).map { _ in
                OutboxEndpointReply(
                    name: g.text(), number: g.maybeInt(), target: g.text(), state: g.text(), disabledAt: g.maybeText(),
                    disabledReason: g.maybeText(), events: (0..<g.below(3)).map { _ in g.text() }, includeLabel: g.chance(),
                    pending: g.below(100), dead: g.below(100), oldestPendingSeconds: g.maybeDouble())
            }
        }
        reply.tracking = g.chance() ? counts() : nil
        return reply
    }

    @Test func statusIsWhatTheEncoderWrites() throws {
        var g = Generator(state: 11)
        for _ in 0..<300 {
            try expectSame(status(&g))
        }
    }

    @Test func stringsAndNumbersByteForByte() throws {
        let every = String(String.UnicodeScalarView((0..<0x80).map { Unicode.Scalar(UInt8($0)) })) + "é\u{2028}🚲"
        try expectSameBytes({ $0.string(every) }, every)
        var g = Generator(state: 1)
        for _ in 0..<200 {
            let text = g.text()
            try expectSameBytes({ $0.string(text) }, text)
        }
        for value in Generator.doubles + [-1e-300, 3.0e-5, 42] + (0..<200).map({ _ in g.double() }) {
            try expectSameBytes({ try $0.double(value) }, value)
        }
        for value in [0, -1, Int.max, Int.min] { try expectSameBytes({ $0.int(value) }, value) }
        try expectSameBytes({ $0.bool(true) }, true)
        try expectSameBytes({ $0.string(nil as String?) }, nil as String?)
    }

    /// The stores hand an event's data over as `some Encodable`; a shipment's is written by
    /// ``JSONText``, and the body is what the encoder wrote before.
    @Test func outboxBodiesAreTheEncodersBytes() throws {
        func body(_ data: some Encodable) throws -> [UInt8] {
            try OutboxBody.encode(id: "evt_1", type: "shipment.booked", at: 1_795_425_300_123, data: data)
        }
        var g = Generator(state: 3)
        for _ in 0..<100 {
            let reply = shipment(&g)
            let expected =
                Array(#"{"id":"evt_1","type":"shipment.booked","timestamp":"\#(OutboxBody.timestamp(1_795_425_300_123))","data":"#.utf8)
                + Array(try encoded(reply).utf8) + [UInt8(ascii: "}")]
            #expect(try body(reply) == expected)
        }
    }

    @Test func refusesWhatTheEncoderRefuses() {
        var g = Generator(state: 2)
        var reply = shipment(&g)
        for value in [Double.nan, .infinity, -.infinity] {
            reply.co2eGrams = value
            #expect(throws: EncodingError.self) { try written(reply) }
            #expect(throws: EncodingError.self) { try encoded(reply) }
        }
    }
}

/// ``ISOTimestamp`` writes the instant to the millisecond, in `Date.ISO8601FormatStyle`'s
/// form. To the second, what the format style writes; the milliseconds exactly, where the
/// format style, through a `Double` of seconds, truncated 0.123 s to `.122` about half the
/// time (what relaisd wrote before session 13).
@Suite struct ISOTimestampTests {
    func foundation(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    @Test func writesTheInstantInFoundationsForm() {
        // Days that end months, leap days (2000 and 2024, not 2100), the ends of years, the
        // epoch and before it, and seeded instants up to 2400.
        let days: [Int64] = [0, -1, -365, 10_956, 11_016, 11_017, 11_322, 19_782, 19_783, 20_422, 20_454, 47_540, 47_541, 47_542, 2_932_896]
        var instants: [Int64] = [0, 1, 999, 1000, -1, -999, -1000, -1001, 1_795_425_300_123, 253_402_300_799_999]
        for day in days { instants += [day * 86_400_000, day * 86_400_000 - 1, day * 86_400_000 + 86_399_999] }
        var generator = SeededGenerator(state: 7)
        for _ in 0..<20_000 { instants.append(Int64(generator.next() % 13_569_465_600_000)) }
        var truncated = 0
        for instant in instants {
            let ours = ISOTimestamp.string(instant), theirs = foundation(instant)
            let millisecond = (instant % 1000 + 1000) % 1000
            #expect(ours.count == 24 && ours.hasSuffix("Z") && ours.prefix(19) == theirs.prefix(19), "\(instant): \(ours), \(theirs)")
            #expect(Int(ours.dropFirst(20).prefix(3)) == Int(millisecond), "\(instant): \(ours)")
            let theirMillisecond = Int(theirs.dropFirst(20).prefix(3)) ?? -1
            #expect([Int(millisecond), Int(millisecond) - 1].contains(theirMillisecond), "\(instant): \(theirs)")
            if theirMillisecond != Int(millisecond) { truncated += 1 }
        }
        #expect(truncated > 0)
        #expect(ISOTimestamp.string(1_795_425_300_123) == "2026-11-23T09:15:00.123Z")
        #expect(ISOTimestamp.string(-1) == "1969-12-31T23:59:59.999Z")
        #expect(ISOTimestamp.string(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(ISOTimestamp.string(4_107_542_400_000) == "2100-03-01T00:00:00.000Z")
    }
}
