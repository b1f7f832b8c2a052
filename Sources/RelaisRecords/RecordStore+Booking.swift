import Foundation
import GRDB
import RelaisCore

/// A claimed shipment with what the booking stage needs to call a carrier.
public struct BookingJob: Sendable {
    public var id: String
    public var site: String
    public var carrier: String
    public var service: String
    /// Claims so far, this one included.
    public var attempts: Int
    public var createdAt: Int64
    /// Its orders as accepted (canonical JSON), in id order.
    public var orderBodies: [String]
    /// The eligible candidates of its decision, best first; then, for a decision that sent
    /// a late shipment with the fastest (`when_unmeetable = "fastest"`), the candidates
    /// that only miss the promise, fastest first.
    public var candidates: [BookingCandidate]
    /// Services already refused (permanent) or failed over from, for this shipment.
    public var excluded: Set<ServiceKey>
    /// Transient failures on the current service so far.
    public var transientFailuresHere: Int
}

/// An eligible candidate of a recorded decision, as failover needs it.
public struct BookingCandidate: Hashable, Sendable {
    public var key: ServiceKey
    public var price: Money?
    public var eta: String?
    public var co2eGrams: Double?
}

/// What a booking attempt came to; applied in groups by ``RecordStore/commit(_:now:)``.
public struct BookingOutcome: Sendable {
    public enum Result: Sendable {
        case booked(trackingNumber: String, carrierPrice: Money?, labelPath: String?)
        case deferred(until: Int64)
        /// Back to the queue on another service: the first is known not to have booked.
        case failover(to: BookingCandidate)
        case uncertain
        case failed
        /// Not attempted (the breaker refused): back to `deferred` without an attempt row.
        case postponed(until: Int64)
    }

    public var shipment: String
    public var carrier: String
    public var service: String
    public var result: Result
    public var failureClass: FailureClass?
    public var httpStatus: Int?
    public var startedAt: Int64
    public var finishedAt: Int64
    /// For operators: the carrier's code and message, or what went wrong.
    public var detail: String

    public init(
        shipment: String, carrier: String, service: String, result: Result, failureClass: FailureClass? = nil,
        httpStatus: Int? = nil, startedAt: Int64, finishedAt: Int64, detail: String = ""
    ) {
        self.shipment = shipment
        self.carrier = carrier
        self.service = service
        self.result = result
        self.failureClass = failureClass
        self.httpStatus = httpStatus
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.detail = detail
    }
}

/// A carrier's circuit breaker opened: the event log keeps it for `relaisctl report carriers`.
public struct BreakerOpening: Hashable, Sendable {
    public var carrier: String
    /// Milliseconds since the Unix epoch.
    public var at: Int64
    public var detail: String

    public init(carrier: String, at: Int64, detail: String) {
        self.carrier = carrier
        self.at = at
        self.detail = detail
    }
}

/// An uncertain shipment whose carrier can be asked about it.
public struct UncertainShipment: Hashable, Sendable {
    public var id: String
    public var carrier: String
    public var service: String
}

extension RecordStore {
    /// Claims due shipments carrier by carrier, in one transaction: at most `limits[c]` for
    /// carrier `c`, and `othersLimit` in all for carriers not named (so that shipments of a
    /// carrier that left the panel are claimed and failed over).
    ///
    /// Claiming per carrier keeps few shipments in `booking` without a call under way: a
    /// crash turns every `booking` row `uncertain`. Every query walks an index: the carriers
    /// not named are found by skipping through `shipments_carrier_due` one carrier at a time,
    /// not by scanning a queue that may hold hundreds of thousands of rows.
    public func claim(limits: [String: Int], othersLimit: Int, now: Int64) async throws -> [ClaimedShipment] {
        try await pool.write { db in
            let claimDue = try db.cachedStatement(
                sql: """
                    UPDATE shipments SET state = 'booking', attempts = attempts + 1, updated_at = ?, next_attempt_at = NULL
                    WHERE id IN (
                        SELECT id FROM shipments INDEXED BY shipments_carrier_due
                        WHERE carrier = ? AND state IN ('queued', 'deferred') AND next_attempt_at <= ?
                        ORDER BY next_attempt_at LIMIT ?)
                    RETURNING id, site, carrier, service, attempts
                    """)
            func claim(_ carrier: String, limit: Int) throws -> [ClaimedShipment] {
                try Row.fetchAll(claimDue, arguments: [now, carrier, now, limit]).map(Self.claimedShipment)
            }
            var claimed: [ClaimedShipment] = []
            for (carrier, limit) in limits.sorted(by: { $0.key < $1.key }) where limit > 0 {
                claimed += try claim(carrier, limit: limit)
            }
            if othersLimit > 0 {
                let nextCarrier = try db.cachedStatement(
                    sql: "SELECT carrier FROM shipments INDEXED BY shipments_carrier_due WHERE carrier > ? ORDER BY carrier LIMIT 1")
                var remaining = othersLimit
                var last = ""
                while remaining > 0, let carrier = try String.fetchOne(nextCarrier, arguments: [last]) {
                    last = carrier
                    guard limits[carrier] == nil else { continue }
                    let found = try claim(carrier, limit: remaining)
                    remaining -= found.count
                    claimed += found
                }
            }
            return claimed
        }
    }

    static func claimedShipment(_ row: Row) -> ClaimedShipment {
        ClaimedShipment(id: row["id"], site: row["site"], carrier: row["carrier"], service: row["service"], attempts: row["attempts"])
    }

    /// The details of claimed shipments, read in one transaction.
    public func bookingJobs(for claimed: [ClaimedShipment]) async throws -> [BookingJob] {
        guard !claimed.isEmpty else { return [] }
        let ids = claimed.map(\.id)
        return try await pool.read { db in
            let marks = databaseQuestionMarks(count: ids.count)
            var bodies: [String: [String]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT shipment_id, body FROM orders WHERE shipment_id IN (\(marks)) ORDER BY id",
                arguments: StatementArguments(ids))
            {
                bodies[row["shipment_id"], default: []].append(row["body"])
            }
            var candidates: [String: [BookingCandidate]] = [:]
            let created = try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(
                    db, sql: "SELECT id, created_at FROM shipments WHERE id IN (\(marks))", arguments: StatementArguments(ids)
                ).map { ($0["id"] as String, $0["created_at"] as Int64) })
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT s.id AS shipment_id, c.carrier, c.service, c.price_minor, c.eta_p50, c.co2e_g
                    FROM shipments s JOIN decision_candidates c ON c.decision_id = s.decision_id
                    WHERE s.id IN (\(marks)) AND (c.rank IS NOT NULL OR c.reasons = 'promise')
                    ORDER BY s.id, c.rank IS NULL, c.rank, c.lead_days, c.cost_units
                    """, arguments: StatementArguments(ids))
            {
                let id: String = row["shipment_id"]
                candidates[id, default: []].append(
                    BookingCandidate(
                        key: ServiceKey(carrier: row["carrier"], service: row["service"]),
                        price: (row["price_minor"] as Int64?).map(Money.init(minorUnits:)), eta: row["eta_p50"],
                        co2eGrams: row["co2e_g"]))
            }
            var excluded: [String: Set<ServiceKey>] = [:]
            var transient: [String: [ServiceKey: Int]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT shipment_id, carrier, service, failure_class, outcome FROM booking_attempts
                    WHERE shipment_id IN (\(marks)) AND failure_class IS NOT NULL
                    """, arguments: StatementArguments(ids))
            {
                let id: String = row["shipment_id"]
                let key = ServiceKey(carrier: row["carrier"], service: row["service"])
                let outcome: String? = row["outcome"]
                if row["failure_class"] == FailureClass.permanent.rawValue || outcome == "failover" {
                    excluded[id, default: []].insert(key)
                } else if row["failure_class"] == FailureClass.transient.rawValue {
                    transient[id, default: [:]][key, default: 0] += 1
                }
            }
            return claimed.compactMap { claim in
                guard let carrier = claim.carrier, let service = claim.service else { return nil }
                let key = ServiceKey(carrier: carrier, service: service)
                return BookingJob(
                    id: claim.id, site: claim.site, carrier: carrier, service: service, attempts: claim.attempts,
                    createdAt: created[claim.id] ?? Int64.max / 2, orderBodies: bodies[claim.id] ?? [],
                    candidates: candidates[claim.id] ?? [], excluded: excluded[claim.id] ?? [],
                    transientFailuresHere: transient[claim.id]?[key] ?? 0)
            }
        }
    }

    /// Applies booking outcomes in one transaction: one fsync for the group, so throughput
    /// is not bound by one commit per booking.
    ///
    /// - Important: Call only after the label files of booked outcomes are durable: the
    ///   record then never names a label that a crash lost.
    public func commit(_ outcomes: [BookingOutcome], breakerOpenings: [BreakerOpening] = [], now: Int64) async throws {
        guard !outcomes.isEmpty || !breakerOpenings.isEmpty else { return }
        try await pool.write { db in
            for opening in breakerOpenings {
                try db.recordEvent(
                    at: opening.at, kind: "carrier.breaker-opened", carrier: opening.carrier, actor: .booking, detail: opening.detail)
            }
            let attempt = try db.cachedStatement(
                sql: """
                    INSERT INTO booking_attempts (shipment_id, carrier, service, started_at, finished_at, outcome,
                        failure_class, detail, http_status, duration_ms, tracking_number)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for outcome in outcomes {
                let event: ShipmentEvent
                var columns: [String] = []
                var arguments: StatementArguments = []
                var attemptOutcome: String
                var tracking: String?
                switch outcome.result {
                case .booked(let trackingNumber, let carrierPrice, let labelPath):
                    event = .booked
                    attemptOutcome = "booked"
                    tracking = trackingNumber
                    columns = ["tracking_number = ?", "carrier_price_minor = ?", "label_path = ?", "reason = NULL"]
                    arguments = [trackingNumber, carrierPrice?.minorUnits, labelPath]
                case .deferred:
                    event = .transientFailure
                    attemptOutcome = "deferred"
                    columns = ["reason = ?"]
                    arguments = [outcome.detail]
                case .postponed:
                    event = .transientFailure
                    attemptOutcome = "postponed"
                    columns = ["reason = ?", "attempts = attempts - 1"]
                    arguments = [outcome.detail]
                case .failover(let candidate):
                    event = .failover
                    attemptOutcome = "failover"
                    columns = ["carrier = ?", "service = ?", "price_minor = ?", "eta = ?", "co2e_g = ?", "reason = ?"]
                    arguments = [
                        candidate.key.carrier, candidate.key.service, candidate.price?.minorUnits, candidate.eta,
                        candidate.co2eGrams, outcome.detail,
                    ]
                case .uncertain:
                    event = .outcomeUnknown
                    attemptOutcome = "uncertain"
                    columns = ["reason = ?"]
                    arguments = [outcome.detail]
                case .failed:
                    event = .permanentFailure
                    attemptOutcome = "failed"
                    columns = ["reason = ?"]
                    arguments = [outcome.detail]
                }
                let nextAttemptAt: Int64? =
                    switch outcome.result {
                    case .deferred(let until), .postponed(let until): until
                    case .uncertain: now
                    default: nil
                    }
                // The columns and the attempt first, the state change last: the outbox event that
                // applyEvent writes shows the tracking number, the label and this attempt.
                if !columns.isEmpty {
                    arguments += [outcome.shipment]
                    // One statement per kind of outcome: cached.
                    try db.cachedStatement(sql: "UPDATE shipments SET \(columns.joined(separator: ", ")) WHERE id = ?")
                        .execute(arguments: arguments)
                }
                if case .postponed = outcome.result {} else {
                    try attempt.execute(arguments: [
                        outcome.shipment, outcome.carrier, outcome.service, outcome.startedAt, outcome.finishedAt, attemptOutcome,
                        outcome.failureClass?.rawValue, outcome.detail, outcome.httpStatus,
                        max(0, outcome.finishedAt - outcome.startedAt), tracking,
                    ])
                }
                try db.applyEvent(
                    event, to: outcome.shipment, actor: .booking, now: now, nextAttemptAt: nextAttemptAt,
                    detail: "\(outcome.carrier)/\(outcome.service): \(attemptOutcome)\(outcome.detail.isEmpty ? "" : " — \(outcome.detail)")")
            }
        }
    }

    /// Uncertain shipments due for a lookup, oldest first.
    public func uncertainDue(carriers: Set<String>, now: Int64, limit: Int) async throws -> [UncertainShipment] {
        guard !carriers.isEmpty else { return [] }
        return try await pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, carrier, service FROM shipments
                    WHERE state = 'uncertain' AND COALESCE(next_attempt_at, 0) <= ?
                        AND carrier IN (\(databaseQuestionMarks(count: carriers.count)))
                    ORDER BY next_attempt_at LIMIT ?
                    """, arguments: StatementArguments([now] as [Int64]) + StatementArguments(carriers.sorted()) + [limit]
            ).map { UncertainShipment(id: $0["id"], carrier: $0["carrier"], service: $0["service"]) }
        }
    }

    /// Records a lookup's answer: booked (with the tracking number the carrier holds), not
    /// booked (back to the queue), or inconclusive (asked again at `retryAt`).
    public func reconcile(_ shipment: UncertainShipment, result: LookupAnswer, now: Int64, retryAt: Int64) async throws {
        try await pool.write { db in
            switch result {
            case .booked(let tracking):
                // The tracking number first: the outbox event applyEvent writes shows it.
                try db.execute(
                    sql: "UPDATE shipments SET tracking_number = ?, reason = NULL WHERE id = ? AND state = 'uncertain'",
                    arguments: [tracking, shipment.id])
                try db.applyEvent(
                    .reconciled(booked: true), to: shipment.id, actor: .booking, now: now,
                    detail: "\(shipment.carrier) holds it as \(tracking)")
            case .notBooked:
                try db.applyEvent(
                    .reconciled(booked: false), to: shipment.id, actor: .booking, now: now,
                    detail: "\(shipment.carrier) has no booking under this reference")
            case .inconclusive(let why):
                try db.execute(
                    sql: "UPDATE shipments SET next_attempt_at = ?, reason = ? WHERE id = ? AND state = 'uncertain'",
                    arguments: [retryAt, "lookup inconclusive: \(why)", shipment.id])
            }
        }
    }
}

/// What a carrier's lookup said, as the store records it.
public enum LookupAnswer: Sendable {
    case booked(trackingNumber: String)
    case notBooked
    case inconclusive(String)
}
