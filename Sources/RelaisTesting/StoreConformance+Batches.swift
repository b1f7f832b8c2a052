import Foundation
import RelaisCore
import RelaisStore

/// Batches: what a store records for many orders, shipments or outcomes in one call is what
/// it records for each alone. (The PostgreSQL store writes a batch as one statement per
/// table; these checks hold it to the per-row rules.)
extension StoreConformance {
    static let batchChecks: [Check] = [
        Check(description: "a batch of orders: repeats inside it are duplicates or conflicts against its first version") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let orders = fixture.makeOrders(["K-1", "K-2", "K-3"])
            var changedThree = orders[2], changedTwo = orders[1]
            changedThree.canonicalJSON += " "
            changedTwo.canonicalJSON += "  "
            let batch = [orders[0], orders[1], orders[0], orders[2], changedThree, changedTwo]
            let outcomes = try await store.accept(batch, source: "batch", actor: .intake, now: fixture.now)
            try require(outcomes == [.accepted, .accepted, .duplicate, .accepted, .conflict, .conflict], "batch: \(outcomes)")
            let again = try await store.accept([changedTwo, orders[1], orders[0]], source: "again", actor: .intake, now: fixture.now)
            try require(again == [.conflict, .duplicate, .duplicate], "against the records: \(again)")
            for (id, conflicts) in [("K-1", 0), ("K-2", 2), ("K-3", 1)] {
                let recorded = try await store.order(id: id)
                let first = orders.first { $0.order.id == id }
                try require(recorded?.canonicalJSON == first?.canonicalJSON, "\(id): the first version stays")
                let logged = try await store.events(order: id).filter { $0.kind.name == "order.conflict" }.count
                try require(logged == conflicts, "\(id): \(logged) conflicts logged, expected \(conflicts)")
            }
        },
        Check(description: "shipments for an order already in one, or named twice in a batch, are refused whole") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            _ = try await store.accept(fixture.makeOrders(["P-1", "P-2", "P-3"]), source: "batch", actor: .intake, now: fixture.now)
            func shipment(_ orders: [String]) -> NewShipment {
                NewShipment(
                    orderIDs: orders, site: "lille-store", consolidationKey: orders[0], decision: decisionOverOrigins, parcels: 1,
                    weightKg: 1)
            }
            let first = try await store.createShipments([shipment(["P-1"])], policy: anyPolicy, actor: .intake, now: fixture.now)
            try require(first.count == 1, "created \(first)")
            for batch in [[["P-2"], ["P-1"]], [["P-2"], ["P-3", "P-2"]]] {
                do {
                    let made = try await store.createShipments(batch.map(shipment), policy: anyPolicy, actor: .intake, now: fixture.now)
                    try require(false, "\(batch) created \(made)")
                } catch let error as StoreError {
                    let named = batch == [["P-2"], ["P-1"]] ? "P-1" : "P-2"
                    try require(error.isRefused && error.description.contains(named), "\(batch): \(error)")
                }
            }
            for id in ["P-2", "P-3"] {
                let order = try await store.order(id: id)
                try require(order?.shipmentID == nil, "\(id) must stay pending: \(String(describing: order))")
            }
            let counts = try await store.queueCounts()
            try require(counts[.queued] == 1, "nothing more created: \(counts)")
        },
        Check(description: "one commit's outbox events each show their own shipment, as booked") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            guard let outbox = store as? any OutboxLog else { return }
            let carriers = ["chronopost", "colissimo", "dpd", "mondialrelay", "velocite"]
            let endpoint = try await outbox.configureOutbox(
                endpoints: [OutboxEndpointSetting(target: "spool")],
                trackingURLs: Dictionary(uniqueKeysWithValues: carriers.map { ($0, "https://t.example/\($0)/{{tracking_number}}") }))[0]
            let ids = try await fixture.queued(store, ["E-1", "E-2", "E-3", "E-4"])
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claimed = try await store.claim(limits: [:], othersLimit: 10, now: now)
            try await store.commit(
                claimed.map {
                    BookingOutcome(
                        shipment: $0.id, carrier: $0.carrier ?? "", service: $0.service ?? "",
                        result: .booked(trackingNumber: "TRK-\($0.id)", carrierPrice: nil, labelPath: "/labels/\($0.id).pdf"),
                        startedAt: now, finishedAt: now)
                }, breakerOpenings: [], now: now)
            let booked = try await outbox.dueOutboxDeliveries(endpoint: endpoint, now: fixture.now + 60_000, limit: 100, excluding: [])
                .filter { $0.type == OutboxEventType.shipmentBooked.rawValue }
            try require(Set(booked.compactMap(\.shipmentID)) == Set(ids), "events for \(booked.map(\.shipmentID)), booked \(ids)")
            var orders: Set<String> = []
            for event in booked {
                let id = event.shipmentID ?? ""
                let body = try JSONSerialization.jsonObject(with: Data(event.body)) as? [String: Any]
                let data = body?["data"] as? [String: Any] ?? [:]
                let carrier = data["carrier"] as? String ?? "?"
                try require(
                    data["id"] as? String == id && data["state"] as? String == "booked" && data["tracking_number"] as? String == "TRK-\(id)"
                        && data["label_path"] as? String == "/labels/\(id).pdf"
                        && data["tracking_url"] as? String == "https://t.example/\(carrier)/TRK-\(id)",
                    "\(id)'s event: \(data)")
                let attempts = data["attempts"] as? [[String: Any]] ?? []
                try require(attempts.count == 1 && attempts[0]["outcome"] as? String == "booked", "\(id)'s attempts: \(attempts)")
                let own = data["orders"] as? [String] ?? []
                try require(own.count == 1, "\(id)'s orders: \(own)")
                orders.formUnion(own)
            }
            try require(orders.count == ids.count, "each event its own order: \(orders)")
        },
        Check(description: "one commit of every kind of outcome records each as alone: columns, attempts, states, events") { fixture in
            let store = try await fixture.makeStore("node-a", .seconds(60))
            let names = ["O-1", "O-2", "O-3", "O-4", "O-5", "O-6"]
            let ids = try await fixture.queued(store, names)
            try require(ids.count == 6, "created \(ids)")
            let now = Instant(millisecondsSinceEpoch: fixture.now + 1)
            let claimed = try await store.claim(limits: [:], othersLimit: 10, now: now)
            try require(Set(claimed.map(\.id)) == Set(ids), "claimed \(claimed.map(\.id))")
            let other = BookingCandidate(key: ServiceKey(carrier: "other-carrier", service: "X1"), price: Money(minorUnits: 1234), eta: "2026-11-25", co2eGrams: 42.5)
            let results: [BookingOutcome.Result] = [
                .booked(trackingNumber: "TRK-B", carrierPrice: Money(minorUnits: 812), labelPath: "/labels/b.pdf"),
                .deferred(until: now + .seconds(60)),
                .failover(to: other),
                .postponed(until: now + .seconds(30)),
                .uncertain,
                .failed,
            ]
            let byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.id, $0) })
            let outcomes = zip(ids, results).enumerated().map { index, pair in
                let claim = byID[pair.0]
                return BookingOutcome(
                    shipment: pair.0, carrier: claim?.carrier ?? "", service: claim?.service ?? "", result: pair.1,
                    failureClass: index == 0 ? nil : .transient, httpStatus: index == 0 ? 201 : 503, startedAt: now,
                    finishedAt: now + .milliseconds(250 + index), detail: index == 0 ? "" : "detail \(index)")
            }
            try await store.commit(
                outcomes, breakerOpenings: [BreakerOpening(carrier: "some-carrier", at: now, detail: "opened")], now: now)
            var records: [ShipmentRecord] = []
            for id in ids {
                guard let record = try await store.shipment(id: id) else { throw Failure(description: "\(id) not found") }
                records.append(record)
            }
            let states = records.map(\.state)
            try require(states == [.booked, .deferred, .queued, .deferred, .uncertain, .failed], "states \(states)")
            try require(
                records[0].trackingNumber == "TRK-B" && records[0].labelPath == "/labels/b.pdf" && records[0].reason == nil,
                "booked: \(records[0])")
            try require(records[1].reason == "detail 1" && records[1].nextAttemptAt == (now + .seconds(60)).millisecondsSinceEpoch, "deferred: \(records[1])")
            try require(
                records[2].carrier == "other-carrier" && records[2].service == "X1" && records[2].price == Money(minorUnits: 1234)
                    && records[2].eta == "2026-11-25" && records[2].co2eGrams == 42.5 && records[2].reason == "detail 2",
                "failover: \(records[2])")
            try require(records[3].attempts == 0 && records[3].reason == "detail 3", "postponed gives its attempt back: \(records[3])")
            try require(records.enumerated().allSatisfy { $0.offset == 3 || $0.element.attempts == 1 }, "attempts \(records.map(\.attempts))")
            try require(records[4].trackingNumber == nil && records[5].reason == "detail 5", "uncertain, failed: \(records[4...])")
            for (index, id) in ids.enumerated() {
                let attempts = try await store.attempts(shipment: id)
                if index == 3 {
                    try require(attempts.isEmpty, "a postponed call has no attempt: \(attempts)")
                    continue
                }
                try require(attempts.count == 1, "\(id): attempts \(attempts)")
                let attempt = attempts[0]
                try require(
                    attempt.outcome == results[index].attemptOutcome.rawValue && attempt.httpStatus == (index == 0 ? 201 : 503)
                        && attempt.durationMilliseconds == 250 + index && attempt.trackingNumber == (index == 0 ? "TRK-B" : nil)
                        && attempt.failureClass == (index == 0 ? nil : "transient"),
                    "\(id): attempt \(attempt)")
                let events = try await store.events(shipment: id).map(\.kind.name)
                try require(events.filter { $0.hasPrefix("shipment.") && $0 != "shipment.created" }.count == 1, "\(id): events \(events)")
            }
            let counts = try await store.queueCounts()
            try require(
                counts[.booked] == 1 && counts[.deferred] == 2 && counts[.queued] == 1 && counts[.uncertain] == 1 && counts[.failed] == 1
                    && (counts[.booking] ?? 0) == 0, "counts \(counts)")
        },
    ]
}
