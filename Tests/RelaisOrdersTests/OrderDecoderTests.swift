import Foundation
import Testing
@testable import RelaisCore
@testable import RelaisOrders

@Suite struct OrderDecoderTests {
    static let sample = """
        { "id": "A-1001", "site": "lyon-dc", "ready_at": "2026-11-23T10:15:00+01:00",
          "promised_by": "2026-11-26", "service_level": "standard", "delivery_mode": "home",
          "relay_point": null,
          "recipient": { "name": "Camille Martin", "company": null, "street": ["12 rue de la Roquette"],
                         "postcode": "75011", "city": "Paris", "country": "FR",
                         "phone": "+33612345678", "email": "camille@example.org", "lat": 48.853, "lon": 2.372 },
          "parcels": [ { "weight_kg": 1.2, "length_cm": 30, "width_cm": 20, "height_cm": 10 } ],
          "value": { "amount": "59.90", "currency": "EUR" }, "tags": ["fragile"] }
        """

    let decoder = OrderDecoder(knownSites: ["lyon-dc", "paris-store"])

    /// The sample order with `edit` applied to its JSON object.
    static func order(_ edit: (inout [String: Any]) -> Void) -> Data {
        var object = try! JSONSerialization.jsonObject(with: Data(sample.utf8)) as! [String: Any]
        edit(&object)
        return try! JSONSerialization.data(withJSONObject: object)
    }

    @Test func decodesTheSPECExample() throws {
        let batch = decoder.decode(Data(Self.sample.utf8))
        #expect(batch.rejections.isEmpty)
        let order = try #require(batch.orders.first?.order)
        #expect(order.id == "A-1001")
        #expect(order.readyAt == Timestamp.parse("2026-11-23T09:15:00Z"))
        #expect(order.promisedBy == CivilDate("2026-11-26"))
        #expect(order.serviceLevel == .standard)
        #expect(order.deliveryMode == .home)
        #expect(order.recipient.destination.description == "FR-75011")
        #expect(order.recipient.coordinate == Coordinate(lat: 48.853, lon: 2.372))
        #expect(order.parcels == [Parcel(weightKg: 1.2, lengthCm: 30, widthCm: 20, heightCm: 10)])
        #expect(order.value == OrderValue(amount: Money(minorUnits: 5990), currency: "EUR"))
        #expect(order.tags == ["fragile"])
        #expect(batch.orders.first?.warnings.isEmpty == true)
    }

    /// Aggregation and booking read orders back from their recorded canonical text, without
    /// writing it again: the same order comes back, and a record edited into an invalid
    /// order says which order and why.
    @Test func aRecordedOrderReadsBackAsDecoded() throws {
        let decoded = try #require(decoder.decode(Data(Self.sample.utf8)).orders.first)
        #expect(try OrderDecoder.recorded(decoded.canonicalJSON) == decoded.order)
        let edited = decoded.canonicalJSON.replacingOccurrences(of: "\"75011\"", with: "\"\"")
        #expect(edited != decoded.canonicalJSON)
        do throws(RecordedOrderError) {
            _ = try OrderDecoder.recorded(edited)
            Issue.record("an invalid record was read back")
        } catch {
            #expect(error.message.contains("recorded order A-1001 no longer validates"))
            #expect(error.message.contains("postcode"))
        }
        #expect(throws: RecordedOrderError.self) { try OrderDecoder.recorded("{") }
    }

    @Test func acceptsAnArrayNDJSONABOMAndCRLF() {
        let one = String(decoding: Self.order { $0["id"] = "B-1" }, as: UTF8.self)
        let two = String(decoding: Self.order { $0["id"] = "B-2" }, as: UTF8.self)
        #expect(decoder.decode(Data("[\(one),\(two)]".utf8)).orders.map(\.order.id) == ["B-1", "B-2"])
        let ndjson = "\u{FEFF}\(one)\r\n\r\n\(two)\r\n"
        let batch = decoder.decode(Data(ndjson.utf8))
        #expect(batch.orders.map(\.order.id) == ["B-1", "B-2"])
        #expect(batch.orders.map(\.position) == [1, 3])
    }

    @Test func aBatchAcceptsTheValidOrdersAndRejectsTheRestOneReasonEach() {
        let good = String(decoding: Self.order { $0["id"] = "C-1" }, as: UTF8.self)
        let bad = String(decoding: Self.order { $0["id"] = "C-2"; $0["service_level"] = "urgent" }, as: UTF8.self)
        let batch = decoder.decode(Data("\(good)\n\(bad)\n{not json\n".utf8))
        #expect(batch.orders.map(\.order.id) == ["C-1"])
        #expect(batch.rejections.count == 2)
        #expect(batch.rejections[0].orderID == "C-2")
        #expect(batch.rejections[0].problems == [FieldProblem(field: "service_level", reason: "'urgent' is not one of express, standard, eco")])
        #expect(batch.rejections[1].position == 3)
        #expect(batch.rejections[1].problems[0].reason.hasPrefix("line 3: not valid JSON"))
    }

    /// Sets `path` (dotted) of the sample order to the JSON `value`, or removes it when nil.
    static func order(setting path: String, to value: String?) -> Data {
        order { object in
            func set(_ object: inout [String: Any], _ keys: ArraySlice<Substring>) {
                let key = String(keys.first!)
                if keys.count == 1 {
                    object[key] = value.map { try! JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
                } else {
                    var inner = object[key] as! [String: Any]
                    set(&inner, keys.dropFirst())
                    object[key] = inner
                }
            }
            set(&object, path.split(separator: ".")[...])
        }
    }

    /// (path, new JSON value or nil to remove, the field reported, words of the reason)
    @Test(arguments: [
        ("id", nil, "id", "required"),
        ("site", "\"marseille\"", "site", "unknown site 'marseille'"),
        ("ready_at", "\"2026-11-23 10:15\"", "ready_at", "not a date-time with an offset"),
        ("promised_by", "\"26/11/2026\"", "promised_by", "not a date YYYY-MM-DD"),
        ("delivery_mode", "\"relay\"", "relay_point", "required for delivery_mode relay"),
        ("parcels", "[]", "parcels", "must hold 1 to 99 parcels"),
        ("parcels", #"[{"weight_kg": -1, "length_cm": 1, "width_cm": 1, "height_cm": 1}]"#, "parcels[0].weight_kg", "must be more than 0 kg"),
        ("parcels", #"[{"weight_kg": 5000, "length_cm": 1, "width_cm": 1, "height_cm": 1}]"#, "parcels[0].weight_kg", "5000 kg is outside"),
        ("parcels", #"[{"weight_kg": 1, "length_cm": "30", "width_cm": 1, "height_cm": 1}]"#, "parcels[0].length_cm", "must be a number, found a string"),
        ("value", #"{"amount": "59.999", "currency": "EUR"}"#, "value.amount", "is not an amount"),
        ("value", #"{"amount": "5", "currency": "euro"}"#, "value.currency", "not an ISO 4217 code"),
        ("recipient.name", #""Camille\u0001""#, "recipient.name", "U+0001, which XML cannot carry"),
        ("recipient.city", #""Paris\nCedex""#, "recipient.city", "line break"),
        ("recipient.country", "\"France\"", "recipient.country", "is 6 characters long"),
        ("recipient.lon", nil, "recipient.lat", "lat and lon go together"),
        ("recipient.street", "[]", "recipient.street", "1 to 4 lines"),
        ("recipient", "\"Camille\"", "recipient", "must be an object"),
    ] as [(String, String?, String, String)])
    func everyRejectionNamesTheFieldAndTheReason(path: String, value: String?, field: String, reason: String) {
        let batch = decoder.decode(Self.order(setting: path, to: value))
        #expect(batch.orders.isEmpty)
        let problems = batch.rejections.first?.problems ?? []
        #expect(problems.contains { $0.field == field && $0.reason.contains(reason) }, "\(problems)")
    }

    @Test func unknownFieldsAreWarningsNotRejections() throws {
        let batch = decoder.decode(Self.order { $0["gift_wrap"] = true; $0["relay_point"] = "X-1" })
        let decoded = try #require(batch.orders.first)
        #expect(decoded.warnings.contains(FieldProblem(field: "gift_wrap", reason: "unknown field, ignored")))
        #expect(decoded.warnings.contains { $0.field == "relay_point" && $0.reason.contains("ignored for delivery_mode home") })
        #expect(decoded.order.relayPoint == nil)
    }

    @Test func wholeFileProblems() {
        func reason(_ data: Data, _ decoder: OrderDecoder = OrderDecoder()) -> String? {
            decoder.decode(data).rejections.first?.problems.first?.reason
        }
        #expect(reason(Data([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x7D]))?.contains("not valid UTF-8 (first bad byte at offset 2)") == true)
        #expect(reason(Data())?.contains("empty") == true)
        #expect(reason(Data("   \n".utf8))?.contains("empty") == true)
        #expect(reason(Data("<order/>".utf8))?.contains("not JSON") == true)
        #expect(reason(Data("[]".utf8))?.contains("holds no order") == true)
        #expect(reason(Data("[1,".utf8))?.contains("not valid JSON") == true)
        #expect(reason(Data(Self.sample.utf8), OrderDecoder(maxBytes: 100))?.contains("over the 100-byte limit") == true)
        #expect(reason(Data("[42]".utf8))?.contains("must be a JSON object") == true)
    }

    // MARK: Order ids (issue 20, item 6)

    @Test(arguments: ["A-1001", "SO:2026.11_7", "9", String(repeating: "a", count: 100)])
    func idsOfTheSafeSetAreAccepted(id: String) {
        #expect(decoder.decode(Self.order { $0["id"] = id }).orders.map(\.order.id) == [id])
    }

    @Test(arguments: [
        ("é-1", "contains U+E9"), ("A 1", "contains a space"), ("A/1", "contains '/'"), ("..", "must start with a letter or digit"),
        ("-rf", "must start with a letter or digit"), ("A%2F1", "contains '%'"), ("A?b", "contains '?'"),
    ])
    func idsOutsideTheSafeSetAreRejectedWithTheReason(id: String, reason: String) throws {
        let batch = decoder.decode(Self.order { $0["id"] = id })
        #expect(batch.orders.isEmpty)
        let problem = try #require(batch.rejections.first?.problems.first)
        #expect(problem.field == "id")
        #expect(problem.reason.contains(reason))
        #expect(problem.reason.contains("ids are 1 to 100 ASCII letters"))
    }
}
