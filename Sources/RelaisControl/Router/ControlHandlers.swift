import Foundation
import Hummingbird
import Logging
import RelaisControlAPI
import RelaisCore
import RelaisIntake
import RelaisOrders
import RelaisStore

#if canImport(Glibc)
import Glibc
#endif

/// What each endpoint does, apart from HTTP routing.
struct ControlHandlers: Sendable {
    let state: DaemonState

    var maxBodyBytes: Int { state.running.configuration.config.intake.maxFileBytes }

    // MARK: Reads

    func status() async throws -> Response {
        let running = state.running
        let counts = try await statusCounts()
        let view = state.carriers
        let policy = running.configuration.policy
        var reply = StatusReply(
            version: state.version, uptimeSeconds: Int((state.clock() - state.startedAt) / 1000), pid: getpid(),
            policy: .init(name: policy.name, sha256: policy.sha256),
            queue: Dictionary(uniqueKeysWithValues: ShipmentState.allCases.map { ($0.rawValue, counts.queue[$0] ?? 0) }),
            carriers: running.configuration.panel.carriers.map { loaded -> StatusReply.CarrierState in
                if let reason = view.unavailable[loaded.carrier.id] {
                    return StatusReply.CarrierState(id: loaded.carrier.id, state: "unavailable", reason: reason)
                }
                return StatusReply.CarrierState(id: loaded.carrier.id, state: view.breakers[loaded.carrier.id]?.name ?? "closed")
            },
            pendingOrders: counts.pendingOrders,
            configurationLoadedAt: ISOTimestamp.string(running.loadedAt), alerts: state.alerts.isEmpty ? nil : state.alerts)
        reply.outbox = counts.outbox.map(outboxEndpoints) ?? []
        reply.node = state.store.node
        if let shared = state.store as? any SharedQueue {
            let now = state.clock()
            reply.otherNodes = try await shared.claimsByNode().filter { $0.node != state.store.node }.map {
                StatusReply.NodeLease(
                    node: $0.node, shipments: $0.shipments, leaseUntil: ISOTimestamp.string($0.leaseUntil), expired: $0.leaseUntil <= now)
            }
        }
        reply.tracking = counts.tracking?.byStatus
        return try JSONResponse.make(reply)
    }

    /// The store's counts for status and metrics (SQLite reads them on this thread:
    /// ``ControlEventLoop``).
    func statusCounts() async throws -> StatusCounts { try await state.store.statusCounts() }

    func carriers() throws -> Response {
        let view = state.carriers
        let replies = state.running.configuration.panel.carriers.map { loaded in
            CarrierReply(
                id: loaded.carrier.id, name: loaded.carrier.name,
                state: view.unavailable[loaded.carrier.id] != nil ? "unavailable" : view.breakers[loaded.carrier.id]?.name ?? "none",
                bookable: view.breakers[loaded.carrier.id] != nil,
                services: loaded.carrier.services.map(\.code), breakerOpenings: view.openings[loaded.carrier.id] ?? 0)
        }
        return try JSONResponse.make(replies)
    }

    func order(id: String) async throws -> Response {
        guard let order = try await state.store.order(id: id) else { throw ControlError.notFound("no order \(id)") }
        return try JSONResponse.make(
            OrderReply(
                id: order.id, shipment: order.shipmentID, state: order.state, site: order.site,
                receivedAt: ISOTimestamp.string(order.receivedAt)))
    }

    func shipments(query: Parameters) async throws -> Response {
        var stateFilter: ShipmentState?
        if let name = query.get("state"), !name.isEmpty {
            guard let known = ShipmentState(rawValue: name) else {
                throw ControlError.badRequest(
                    "unknown state '\(name)'; one of \(ShipmentState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            stateFilter = known
        }
        var limit = 100
        if let text = query.get("limit") {
            guard let value = Int(text), (1...10_000).contains(value) else {
                throw ControlError.badRequest("limit must be a whole number from 1 to 10000")
            }
            limit = value
        }
        let carrier = query.get("carrier").flatMap { $0.isEmpty ? nil : $0 }
        let records = try await state.store.shipments(state: stateFilter, carrier: carrier, limit: limit)
        return try JSONResponse.make(ShipmentListReply(shipments: records.map { Self.reply($0, attempts: nil) }))
    }

    func shipment(id: String) async throws -> Response {
        guard let record = try await state.store.shipment(id: id) else { throw ControlError.notFound("no shipment \(id)") }
        let attempts = try await state.store.attempts(shipment: id)
        var reply = Self.reply(record, attempts: attempts)
        reply.tracking = try await state.tracking?.tracking(shipment: id).map(ShipmentTrackingReply.init)
        return try JSONResponse.make(reply)
    }

    func decision(id: String) async throws -> Response {
        guard let decision = try await state.store.decision(shipment: id) else {
            throw ControlError.notFound("no decision recorded for shipment \(id)")
        }
        return try JSONResponse.make(DecisionRecord(decision))
    }

    func metrics() async throws -> Response {
        let counts = try await statusCounts()
        state.metrics.recordOutbox(counts.outbox.map(outboxEndpoints) ?? [])
        if let tracking = counts.tracking { state.metrics.recordTracking(tracking) }
        let text = state.metrics.scrape(
            queue: counts.queue, pendingOrders: counts.pendingOrders,
            carriers: state.carriers, uptimeSeconds: Int((state.clock() - state.startedAt) / 1000))
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    // MARK: Writes

    /// `POST /v1/orders`: the same decoding and validation as the spool; accepted orders are
    /// durable before the reply. 200 when every order was accepted (or already was), 422
    /// with the same body when some were rejected or conflict with a recorded version.
    func submit(body: Data, peer: PeerCredentials, logger: Logger) async throws -> Response {
        let configuration = state.running.configuration.config
        let decoder = OrderDecoder(knownSites: Set(configuration.sites.map(\.id)), maxBytes: configuration.intake.maxFileBytes)
        let batch = decoder.decode(body)
        let incoming = batch.orders.map { IncomingOrder(order: $0.order, canonicalJSON: $0.canonicalJSON) }
        let actor = Actor.operator(uid: peer.uid)
        let now = state.clock()
        let outcomes = incoming.isEmpty ? [] : try await state.store.accept(incoming, source: "api", actor: actor, now: now)
        var reply = SubmitReply(accepted: [], duplicates: [], conflicts: [], rejected: [], warnings: [])
        for (order, outcome) in zip(incoming, outcomes) {
            switch outcome {
            case .accepted: reply.accepted.append(order.order.id)
            case .duplicate: reply.duplicates.append(order.order.id)
            case .conflict: reply.conflicts.append(order.order.id)
            }
        }
        reply.rejected = batch.rejections.map { .init(position: $0.position, id: $0.orderID, problems: $0.problems.map(\.description)) }
        reply.warnings = batch.orders.flatMap { decoded in decoded.warnings.map { "order \(decoded.order.id): \($0)" } }
        let summary = "\(reply.accepted.count) accepted, \(reply.duplicates.count) duplicates, \(reply.conflicts.count) conflicts, \(reply.rejected.count) rejected"
        try await state.store.audit(kind: .ordersSubmitted, actor: actor, detail: summary, now: now)
        logger.info("control: orders submitted: \(summary)", metadata: ["relais.uid": "\(peer.uid)"])
        if let reason = SubmitReply.refusal(rejected: reply.rejected, conflicts: reply.conflicts) {
            reply.error = "refused"
            reply.reason = reason
        }
        return try JSONResponse.make(reply, status: reply.error == nil ? .ok : .unprocessableContent)
    }

    /// `POST /v1/quote`: each order decided as a shipment of its own under the policy in
    /// force, with today's allocation counts and open breakers; nothing is stored.
    func quote(body: Data) async throws -> Response {
        let running = state.running
        let config = running.configuration.config
        let batch = OrderDecoder(knownSites: Set(config.sites.map(\.id)), maxBytes: config.intake.maxFileBytes).decode(body)
        let open = state.carriers.closedToBookings
        let now = state.clock()
        var decisions: [DecisionRecord] = []
        // Today's allocations, read once per site however many orders the body holds.
        var allocations: [String: SiteBookings] = [:]
        for decoded in batch.orders {
            let origins = decoded.order.origins.compactMap { config.site(id: $0) }
            guard origins.count == decoded.order.origins.count else { continue }
            let context = try await decisionContext(origins, now: now, openCircuits: open, cache: &allocations)
            let decision = running.engine.decide(
                Shipment(id: decoded.order.id, orders: [decoded.order], origins: origins), context: context)
            decisions.append(DecisionRecord(decision))
        }
        let rejected = batch.rejections.map { SubmitReply.Rejected(position: $0.position, id: $0.orderID, problems: $0.problems.map(\.description)) }
        return try JSONResponse.make(QuoteReply(decisions: decisions, rejected: rejected), status: rejected.isEmpty ? .ok : .unprocessableContent)
    }

    /// `POST /v1/options` (SPEC §15): a cart's delivery options per mode, decided under the
    /// policy in force with today's allocations and open breakers; nothing is stored. A bad
    /// cart is 400 naming the field.
    func options(body: Data) async throws -> Response {
        let running = state.running
        let config = running.configuration.config
        let decoded: CartDecoder.Decoded
        switch CartDecoder(knownSites: Set(config.sites.map(\.id)), maxBytes: config.intake.maxFileBytes).decode(body) {
        case .success(let cart): decoded = cart
        case .failure(let rejection):
            throw ControlError.badRequest(rejection.problems.map(\.description).joined(separator: "; "))
        }
        let cart = decoded.cart
        let origins = cart.origins.compactMap { config.site(id: $0) }
        let open = Set(state.carriers.breakers.compactMap { if case .open = $0.value { $0.key } else { nil } })
        let now = state.clock()
        var cache: [String: SiteBookings] = [:]
        let context = try await decisionContext(origins, now: now, openCircuits: open, cache: &cache)
        let shipment = cart.shipment(mode: .home, sites: origins, readyAt: cart.readyAt ?? now / 1000)
        let options = DeliveryOptions.make(
            for: shipment, modes: cart.modes ?? DeliveryMode.allCases, engine: running.engine, context: context)
        let policy = running.configuration.policy
        return try JSONResponse.make(
            OptionsReply(policy: policy, options: options, currency: policy.currency, warnings: decoded.warnings.map(\.description)))
    }

    /// Today's bookings at each of `origins` (allocations count per site, SPEC §15), read
    /// from the store in one read for the sites not yet in `cache`, and kept there.
    func decisionContext(
        _ origins: [Site], now: Int64, openCircuits: Set<String>, cache: inout [String: SiteBookings]
    ) async throws -> DecisionContext {
        var days: [String: (from: Int64, until: Int64)] = [:]
        for site in origins where cache[site.id] == nil {
            let day = LocalDay.containing(Instant(millisecondsSinceEpoch: now), in: site.timeZone)
            days[site.id] = (day.start, day.end)
        }
        if !days.isEmpty {
            for (site, counts) in try await state.store.allocationCounts(sites: days) {
                cache[site] = SiteBookings(total: counts.total, perCarrier: counts.perCarrier)
            }
        }
        var bySite: [String: SiteBookings] = [:]
        for site in origins { bySite[site.id] = cache[site.id] }
        return DecisionContext(bookedTodayBySite: bySite, openCircuits: openCircuits)
    }

    /// What `POST /v1/shipments/{id}/{action}` takes, one route each.
    static let shipmentActions = ["hold", "release", "retry", "requeue", "fail", "cancel"]

    /// `POST /v1/shipments/{id}/{hold|release|retry|requeue|fail|cancel}`.
    func act(_ action: String, on id: String, peer: PeerCredentials, logger: Logger) async throws -> Response {
        if action == "cancel" { return try await cancel(id, peer: peer, logger: logger) }
        let event: ShipmentEvent
        switch action {
        case "hold": event = .hold
        case "release": event = .release
        case "retry": event = .retry
        case "requeue": event = .requeue
        case "fail": event = .fail
        default: throw ControlError.notFound("no action '\(action)'; one of \(Self.shipmentActions.joined(separator: ", "))")
        }
        guard let before = try await state.store.shipment(id: id) else { throw ControlError.notFound("no shipment \(id)") }
        let after: ShipmentState
        do {
            after = try await state.store.apply(event, to: id, actor: .operator(uid: peer.uid), now: state.clock(), detail: "by uid \(peer.uid)")
        } catch let error as StoreError where error.isRefused {
            throw ControlError.conflict(error.message)
        } catch let error as StoreError where error.isNotFound {
            throw ControlError.notFound(error.message)
        }
        logger.notice(
            "control: \(action) \(id): \(before.state.rawValue) → \(after.rawValue)",
            metadata: ["relais.uid": "\(peer.uid)", "relais.shipment": "\(id)"])
        return try JSONResponse.make(ActionReply(id: id, action: action, previousState: before.state.rawValue, state: after.rawValue))
    }

    /// `POST /v1/shipments/{id}/cancel` (SPEC §14): 200 cancelled; 202 sent to the carrier
    /// whose answer was lost (pending, asked again: not done); 409 refused, saying why; 503
    /// the carrier did not cancel now (nothing recorded); 501 on a store without cancels.
    func cancel(_ id: String, peer: PeerCredentials, logger: Logger) async throws -> Response {
        guard let canceller = state.canceller else {
            throw ControlError.notOnThisStore("this store keeps no cancels")
        }
        guard let before = try await state.store.shipment(id: id) else { throw ControlError.notFound("no shipment \(id)") }
        let end: CancelEnd
        do {
            end = try await canceller(id, .operator(uid: peer.uid))
        } catch let error as StoreError where error.isRefused {
            throw ControlError.conflict(error.message)
        } catch let error as StoreError where error.isNotFound {
            throw ControlError.notFound(error.message)
        }
        let metadata: Logger.Metadata = ["relais.uid": "\(peer.uid)", "relais.shipment": "\(id)"]
        switch end {
        case .cancelled:
            logger.notice("control: cancel \(id): \(before.state.rawValue) → cancelled", metadata: metadata)
            return try JSONResponse.make(
                ActionReply(id: id, action: "cancel", previousState: before.state.rawValue, state: ShipmentState.cancelled.rawValue))
        case .pending(let reason):
            logger.warning("control: cancel \(id): pending: \(reason)", metadata: metadata)
            return try JSONResponse.make(
                ActionReply(id: id, action: "cancel", previousState: before.state.rawValue, state: before.state.rawValue, pending: reason),
                status: .accepted)
        case .refused(let reason):
            throw ControlError.conflict(reason)
        case .unavailable(let reason):
            throw ControlError.unavailable(reason)
        }
    }

    /// `POST /v1/reload`: 200 when applied, 422 with the problems when refused (the
    /// previous configuration stays in force).
    func reload(peer: PeerCredentials, logger: Logger) async throws -> Response {
        let outcome = await state.reload(by: .operator(uid: peer.uid))
        let running = state.running
        let reply = ReloadReply(
            applied: outcome.applied,
            policy: .init(name: running.configuration.policy.name, sha256: running.configuration.policy.sha256),
            carriers: running.configuration.panel.carriers.map(\.carrier.id), problems: outcome.problems,
            needsRestart: outcome.needsRestart)
        return try JSONResponse.make(reply, status: outcome.applied ? .ok : .unprocessableContent)
    }

    // MARK: Shapes

    static func reply(_ record: ShipmentRecord, attempts: [AttemptRecord]?) -> ShipmentReply {
        ShipmentReply(record, attempts: attempts)
    }
}

