import Foundation
import RelaisCore
import RelaisStore

/// The transactional outbox (SPEC §12) as every store engine must keep it: events written
/// with their change and only with it, bodies frozen, deliveries in order per shipment per
/// endpoint, retries, `410 Gone`, replay with the same id.
extension StoreConformance {
    /// A store of the fixture that keeps an outbox.
    func outboxStore(_ node: String = "node-a", lease: Duration = .seconds(60)) async throws -> any DaemonStore & OutboxLog {
        let store = try await makeStore(node, lease)
        guard let log = store as? any DaemonStore & OutboxLog else { throw Failure(description: "\(type(of: store)) keeps no outbox") }
        return log
    }

    /// The spool and a webhook, the webhook wanting `events` (all when empty); the carrier
    /// of `shipment` with a `tracking_url` template.
    static func configureOutbox(_ store: any DaemonStore & OutboxLog, events: Set<OutboxEventType> = [], carrierOf shipment: String? = nil)
        async throws -> (spool: Int64, webhook: Int64)
    {
        var trackingURLs: [String: String] = [:]
        if let shipment, let carrier = try await store.shipment(id: shipment)?.carrier {
            trackingURLs[carrier] = trackingTemplate
        }
        let ids = try await store.configureOutbox(
            endpoints: [OutboxEndpointSetting(target: "spool"), OutboxEndpointSetting(target: webhookURL, events: events)],
            trackingURLs: trackingURLs)
        return (ids[0], ids[1])
    }

    static let webhookURL = "http://127.0.0.1:9/hooks"
    static let trackingTemplate = "https://track.example/t?n={{tracking_number}}"

    /// Claims what is due and books `ids` among it, as the booking stage commits them (the
    /// others claimed stay `booking`); tracking numbers `TRK<id>`, labels `/labels/<id>.pdf`.
    func book(_ store: any DaemonStore, _ ids: [String], at now: Int64) async throws {
        let instant = Instant(millisecondsSinceEpoch: now)
        let claimed = try await store.claim(limits: [:], othersLimit: 10_000, now: instant)
        // Committed in the order of `ids`, whatever order the claim returned: their events' order.
        let outcomes = ids.compactMap { id in claimed.first { $0.id == id } }.map { claim in
            BookingOutcome(
                shipment: claim.id, carrier: claim.carrier ?? "", service: claim.service ?? "",
                result: .booked(trackingNumber: "TRK\(claim.id)", carrierPrice: nil, labelPath: "/labels/\(claim.id).pdf"),
                startedAt: instant, finishedAt: instant)
        }
        try Self.require(outcomes.count == ids.count, "booking \(ids): claimed \(claimed.map(\.id))")
        try await store.commit(outcomes, breakerOpenings: [], now: instant)
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw Failure(description: "not a JSON object: \(String(decoding: bytes, as: UTF8.self))")
        }
        return object
    }

    /// A decision that chose nothing: the shipment is created held.
    static var heldDecision: Decision {
        var decision = decisionOverOrigins
        decision.chosenIndex = nil
        decision.held = true
        decision.requested = nil
        return decision
    }

    public static let outboxChecks: [Check] = [
        Check(description: "outbox: a booking commit writes one event per shipment, the shipment as shown, frozen for every endpoint") { fixture in
            let store = try await fixture.outboxStore()
            let t0 = fixture.now
            let ids = try await fixture.queued(store, ["O-1", "O-2"])
            let endpoints = try await configureOutbox(store, carrierOf: ids[0])
            try require(try await store.outboxDeliveries(state: nil, endpoint: nil, limit: 100).isEmpty, "queued: nothing for the shop yet")
            try await fixture.book(store, ids, at: t0 + 1000)

            let pending = try await store.outboxDeliveries(state: "pending", endpoint: nil, limit: 100)
            try require(pending.count == 4, "two events, each for the spool and the webhook: \(pending.count)")
            try require(Set(pending.map(\.type)) == ["shipment.booked"] && Set(pending.map(\.eventID)).count == 2, "types \(pending)")
            try require(pending.allSatisfy { $0.eventID.hasPrefix("evt_") && $0.eventID.count == 30 }, "ids \(pending.map(\.eventID))")

            let claimed = try await store.claimOutboxDeliveries(endpoint: endpoints.spool, now: t0 + 2000, limit: 10, lease: 60_000)
            try require(claimed.count == 2, "spool claimed \(claimed.count)")
            guard let delivery = claimed.first(where: { $0.shipmentID == ids[0] }) else { throw Failure(description: "no event for \(ids[0])") }
            try require(delivery.labelPath == "/labels/\(ids[0]).pdf" && delivery.attempts == 0, "delivery \(delivery)")
            let body = try json(delivery.body)
            try require(Array(body.keys).sorted() == ["data", "id", "timestamp", "type"], "body keys \(body.keys)")
            try require(body["id"] as? String == delivery.eventID && body["type"] as? String == "shipment.booked", "body \(body)")
            let timestamp = ISO8601DateFormatter()
            timestamp.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let written = timestamp.string(from: Date(timeIntervalSince1970: Double(t0 + 1000) / 1000))
            try require(body["timestamp"] as? String == written, "timestamp \(String(describing: body["timestamp"])), not \(written)")
            let data = body["data"] as? [String: Any] ?? [:]
            try require(data["id"] as? String == ids[0] && data["state"] as? String == "booked", "data \(data)")
            try require(data["orders"] as? [String] == ["O-1"], "orders \(String(describing: data["orders"]))")
            try require(data["tracking_number"] as? String == "TRK\(ids[0])", "tracking number \(String(describing: data["tracking_number"]))")
            let url = trackingTemplate.replacingOccurrences(of: "{{tracking_number}}", with: "TRK\(ids[0])")
            try require(data["tracking_url"] as? String == url, "tracking url \(String(describing: data["tracking_url"]))")
            try require(data["promised_by"] as? String == "2026-11-26", "promised_by \(String(describing: data["promised_by"]))")
            try require(data["late"] as? Bool == false && data["label_path"] as? String == "/labels/\(ids[0]).pdf", "late, label \(data)")
            try require((data["ghg"] as? [String: Any])?["co2e_kg"] != nil, "ghg \(String(describing: data["ghg"]))")
            let attempts = data["attempts"] as? [[String: Any]]
            try require(attempts?.map { $0["outcome"] as? String } == ["booked"], "the booking attempt: \(String(describing: attempts))")
            try require(data["label"] == nil, "no inline label in the stored body")
            // The same bytes for every endpoint: frozen when written.
            let webhook = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 2000, limit: 10, lease: 60_000)
            try require(webhook.first { $0.eventID == delivery.eventID }?.body == delivery.body, "the webhook gets the same bytes")
            try require(try await store.outboxEventBody(id: delivery.eventID) == delivery.body, "the body as written")
            try require(try await store.outboxEventBody(id: "evt_none") == nil, "no body for an unknown event")
        },
        Check(description: "outbox: no event without its change, and no change without its event") { fixture in
            let store = try await fixture.outboxStore()
            let t0 = fixture.now
            _ = try await configureOutbox(store)
            let id = try await fixture.queued(store, ["N-1"])[0]
            let claimed = try await store.claim(limits: [:], othersLimit: 1, now: Instant(millisecondsSinceEpoch: t0 + 1))
            let outcomes = [claimed[0].id, "S-none"].map { shipment in
                BookingOutcome(
                    shipment: shipment, carrier: claimed[0].carrier ?? "", service: claimed[0].service ?? "",
                    result: .booked(trackingNumber: "T-\(shipment)", carrierPrice: nil, labelPath: nil),
                    startedAt: Instant(millisecondsSinceEpoch: t0), finishedAt: Instant(millisecondsSinceEpoch: t0))
            }
            // A group commit that fails part-way leaves neither the changes nor their events.
            var refused = false
            do { try await store.commit(outcomes, breakerOpenings: [], now: Instant(millisecondsSinceEpoch: t0 + 2)) } catch { refused = true }
            try require(refused, "a commit naming an unknown shipment must fail")
            try require(try await store.outboxDeliveries(state: nil, endpoint: nil, limit: 100).isEmpty, "no event of a refused commit")
            try require(try await store.shipment(id: id)?.state == .booking, "the refused commit changed nothing")
            try await store.commit([outcomes[0]], breakerOpenings: [], now: Instant(millisecondsSinceEpoch: t0 + 3))
            let written = try await store.outboxDeliveries(state: nil, endpoint: nil, limit: 100)
            try require(written.map(\.shipmentID) == [id, id], "one event, for both endpoints: \(written)")
        },
        Check(description: "outbox: without endpoints no event is written") { fixture in
            let store = try await fixture.outboxStore()
            let ids = try await fixture.queued(store, ["W-1"])
            try await fixture.book(store, ids, at: fixture.now + 1)
            try require(try await store.outboxDeliveries(state: nil, endpoint: nil, limit: 100).isEmpty, "no endpoint, no event")
        },
        Check(description: "outbox: policy holds, operator actions and recovery are announced, to the endpoints that want them") { fixture in
            let store = try await fixture.outboxStore()
            let t0 = fixture.now
            let endpoints = try await configureOutbox(store, events: [.shipmentBooked])
            _ = try await store.accept(fixture.makeOrders(["H-1"]), source: "conformance", actor: .intake, now: t0)
            let held = try await store.createShipments(
                [NewShipment(orderIDs: ["H-1"], site: "lille-store", consolidationKey: "H-1", decision: heldDecision, parcels: 1, weightKg: 1)],
                policy: anyPolicy, actor: .intake, now: t0)
            try require(try await store.shipment(id: held[0])?.state == .held, "created held")
            let queued = try await fixture.queued(store, ["Q-1", "Q-2", "Q-3"])
            try await store.apply(.hold, to: queued[0], actor: .operator(uid: 0), now: t0 + 1, nextAttemptAt: nil, detail: "")
            try await store.apply(.fail, to: queued[1], actor: .operator(uid: 0), now: t0 + 2, nextAttemptAt: nil, detail: "")
            _ = try await store.claim(limits: [:], othersLimit: 10, now: Instant(millisecondsSinceEpoch: t0 + 3))
            let recovered = try await store.recoverInterruptedBookings(now: Instant(millisecondsSinceEpoch: t0 + 4))
            try require(recovered == [queued[2]], "recovered \(recovered)")

            let spool = try await store.outboxDeliveries(state: nil, endpoint: endpoints.spool, limit: 100)
            let announced = spool.reversed().map { "\($0.shipmentID ?? "-") \($0.type)" }
            let expected = [
                "\(held[0]) shipment.held", "\(queued[0]) shipment.held", "\(queued[1]) shipment.failed", "\(queued[2]) shipment.uncertain",
            ]
            try require(announced == expected, "announced \(announced)")
            try require(
                try await store.outboxDeliveries(state: nil, endpoint: endpoints.webhook, limit: 100).isEmpty,
                "the webhook wants shipment.booked only")
            let claimed = try await store.claimOutboxDeliveries(endpoint: endpoints.spool, now: t0 + 5, limit: 10, lease: 1000)
            guard let heldEvent = claimed.first(where: { $0.shipmentID == held[0] }) else { throw Failure(description: "no held event") }
            let data = try json(heldEvent.body)["data"] as? [String: Any] ?? [:]
            try require(data["state"] as? String == "held" && data["reason"] as? String == heldDecision.holdReason, "held body \(data)")
        },
        Check(description: "outbox: a shipment's later event waits while an earlier one is retried; a dead one blocks nothing") { fixture in
            let store = try await fixture.outboxStore()
            let t0 = fixture.now
            let endpoints = try await configureOutbox(store)
            let ids = try await fixture.queued(store, ["E-1", "E-2"])
            try await store.apply(.hold, to: ids[0], actor: .operator(uid: 0), now: t0 + 1, nextAttemptAt: nil, detail: "")
            try await store.apply(.release, to: ids[0], actor: .operator(uid: 0), now: t0 + 2, nextAttemptAt: nil, detail: "")
            try await fixture.book(store, ids, at: t0 + 3)  // event 2 of the first, event 1 of the second
            let id = endpoints.webhook
            func names(_ deliveries: [OutboxDelivery]) -> [String] { deliveries.map { "\($0.shipmentID ?? "-") \($0.type)" } }

            var now = t0 + 10
            let first = try await store.claimOutboxDeliveries(endpoint: id, now: now, limit: 10, lease: 30_000)
            try require(names(first) == ["\(ids[0]) shipment.held", "\(ids[1]) shipment.booked"], "first claim \(names(first))")
            let held = first[0]
            // The held event fails: retried in 5 s. The first shipment's booked event waits meanwhile.
            try await store.recordOutboxResults([(held, .retry(at: now + 5000, error: "HTTP 503")), (first[1], .delivered)], now: now)
            now += 1000
            try require(try await store.claimOutboxDeliveries(endpoint: id, now: now, limit: 10, lease: 30_000).isEmpty, "nothing due")
            now += 5000
            let again = try await store.claimOutboxDeliveries(endpoint: id, now: now, limit: 10, lease: 30_000)
            try require(again.map(\.eventID) == [held.eventID], "the retry \(names(again))")
            try require(again[0].attempts == 1 && again[0].body == held.body, "the same body, one attempt before")
            // While it is in flight (leased), nothing else of the shipment is due, nor is it again.
            try require(try await store.claimOutboxDeliveries(endpoint: id, now: now + 1, limit: 10, lease: 30_000).isEmpty, "leased")
            try await store.recordOutboxResults([(again[0], .delivered)], now: now + 100)
            let next = try await store.claimOutboxDeliveries(endpoint: id, now: now + 200, limit: 10, lease: 30_000)
            try require(names(next) == ["\(ids[0]) shipment.booked"], "then the booked event: \(names(next))")
            try await store.recordOutboxResults([(next[0], .dead(error: "HTTP 500"))], now: now + 300)
            let dead = try await store.outboxDeliveries(state: "dead", endpoint: id, limit: 100)
            try require(dead.map(\.eventID) == [next[0].eventID], "dead \(dead)")
            try require(dead[0].lastError == "HTTP 500" && dead[0].attempts == 1, "dead record \(dead[0])")
            try require(try await store.events(shipment: ids[0]).contains { $0.kind == .outboxDead }, "the dead event is logged")
        },
        Check(description: "outbox: 410 Gone disables an endpoint until enabled; a replay keeps the id and the body") { fixture in
            let store = try await fixture.outboxStore()
            let t0 = fixture.now
            let endpoints = try await configureOutbox(store)
            let ids = try await fixture.queued(store, ["G-1"])
            try await fixture.book(store, ids, at: t0 + 1)
            let claimed = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 2, limit: 10, lease: 30_000)
            try await store.recordOutboxResults([(claimed[0], .gone(error: "HTTP 410 Gone"))], now: t0 + 3)
            let backlog = try await store.outboxBacklog().first { $0.id == endpoints.webhook }
            try require(backlog?.disabledAt == t0 + 3 && backlog?.pending == 1 && backlog?.active == true, "backlog \(String(describing: backlog))")
            try require(
                try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 99_000, limit: 10, lease: 1).isEmpty,
                "nothing is due at a disabled endpoint")
            try require(
                try await store.claimOutboxDeliveries(endpoint: endpoints.spool, now: t0 + 4, limit: 10, lease: 1).count == 1,
                "the spool is another endpoint")
            try require(try await store.enableOutboxEndpoint(id: endpoints.webhook, actor: .operator(uid: 0), now: t0 + 5), "enabled")
            try require(!(try await store.enableOutboxEndpoint(id: endpoints.webhook, actor: .operator(uid: 0), now: t0 + 5)), "not twice")
            let resent = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 5, limit: 10, lease: 30_000)
            try require(resent.map(\.eventID) == [claimed[0].eventID], "resent \(resent.map(\.eventID))")
            try await store.recordOutboxResults([(resent[0], .delivered)], now: t0 + 6)
            try require(try await store.outboxDeliveries(state: "delivered", endpoint: endpoints.webhook, limit: 10).count == 1, "delivered")
            // Replay: the same id and body again, to every endpoint it was for.
            let replayed = try await store.replayOutboxEvent(id: claimed[0].eventID, actor: .operator(uid: 0), now: t0 + 7)
            try require(replayed == 2, "replayed to \(replayed) endpoints")
            let again = try await store.claimOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 7, limit: 10, lease: 30_000)
            try require(
                again.map(\.eventID) == [claimed[0].eventID] && again[0].body == claimed[0].body && again[0].attempts == 0,
                "the replay \(again)")
            do {
                _ = try await store.replayOutboxEvent(id: "evt_nope", actor: .operator(uid: 0), now: 0)
                throw Failure(description: "replaying an unknown event must throw")
            } catch let error as StoreError {
                try require(error.isNotFound, "not found: \(error)")
            }
        },
        Check(description: "outbox: due deliveries are a read, and skip what is under way") { fixture in
            let store = try await fixture.outboxStore()
            let t0 = fixture.now
            let endpoints = try await configureOutbox(store)
            let ids = try await fixture.queued(store, ["D-1", "D-2", "D-3"])
            try await fixture.book(store, ids, at: t0 + 1)
            let first = try await store.dueOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 2, limit: 2, excluding: [])
            try require(first.map(\.shipmentID) == [ids[0], ids[1]], "due \(first.map(\.shipmentID))")
            let same = try await store.dueOutboxDeliveries(endpoint: endpoints.webhook, now: t0 + 2, limit: 2, excluding: [])
            try require(same == first, "nothing leased: the same read finds them again")
            let rest = try await store.dueOutboxDeliveries(
                endpoint: endpoints.webhook, now: t0 + 2, limit: 2, excluding: Set(first.map(\.eventSeq)))
            try require(rest.map(\.shipmentID) == [ids[2]], "excluded, the next one comes: \(rest.map(\.shipmentID))")
            let pending = try await store.outboxDeliveries(state: "pending", endpoint: nil, limit: 100)
            try require(pending.allSatisfy { $0.nextAttemptAt == t0 + 1 }, "nothing written: \(pending.map(\.nextAttemptAt))")
        },
    ]
}
