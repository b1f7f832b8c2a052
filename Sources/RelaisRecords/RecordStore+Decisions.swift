import Foundation
import GRDB
import RelaisCore
import RelaisStore

extension Database {
    /// Records a decision and every candidate, in the caller's transaction; returns its id.
    /// - Parameter id: the decision's id, reserved by the caller; nil takes the next one.
    @discardableResult
    func recordDecision(_ decision: Decision, id: Int64? = nil, shipment: String, now: Int64) throws -> Int64 {
        try cachedStatement(
            sql: """
                INSERT INTO decisions (id, shipment_id, decided_at, policy_sha256, policy_name, rules_applied,
                    chosen_carrier, chosen_service, late, held, currency, distance_basis, chosen_origin,
                    requested_service, requested_honoured, requested_reasons, requested_origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).run(in: self) { values in
            values.bind(id)
            values.bind(shipment)
            values.bind(now)
            values.bind(decision.policySHA256)
            values.bind(decision.policyName)
            values.bind(decision.rulesApplied.joined(separator: "\n"))
            values.bind(decision.chosen?.key.carrier)
            values.bind(decision.chosen?.key.service)
            values.bind(decision.late)
            values.bind(decision.held)
            values.bind(decision.currency)
            values.bind(decision.distanceBasis?.rawValue)
            values.bind(decision.chosen?.origin)
            values.bind(decision.requested?.key.description)
            values.bind(decision.requested?.honoured)
            values.bind(decision.requested?.recordedReasons)
            values.bind(decision.requested?.origin)
        }
        let recorded = lastInsertedRowID
        let insert = try cachedStatement(
            sql: """
                INSERT INTO decision_candidates (decision_id, position, carrier, service, service_name, reasons, rank,
                    price_minor, lead_days, eta_p50, eta_p90, eta_p99, co2e_g, data_quality, cost_units, km, origin)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, candidate) in decision.candidates.enumerated() {
            try insert.run(in: self) { values in
                values.bind(recorded)
                values.bind(position)
                values.bind(candidate.key.carrier)
                values.bind(candidate.key.service)
                values.bind(candidate.serviceName)
                values.bind(candidate.reasons.codes.map(\.rawValue).joined(separator: ","))
                values.bind(candidate.rank)
                values.bind(candidate.price?.minorUnits)
                values.bind(candidate.leadDays)
                values.bind(candidate.eta?.p50.description)
                values.bind(candidate.eta?.p90.description)
                values.bind(candidate.eta?.p99.description)
                values.bind(candidate.co2eGrams)
                values.bind(candidate.dataQuality)
                values.bind(candidate.cost?.units)
                values.bind(candidate.distanceKm)
                values.bind(candidate.origin)
            }
        }
        return recorded
    }
}

extension RecordStore {
    /// The latest decision made for a shipment, exactly as recorded: the answer to "why
    /// this carrier, why not that one", with the policy version that made it.
    public func decision(shipment id: String) async throws -> Decision? {
        try await quickRead { db in
            guard
                let row = try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM decisions WHERE shipment_id = ? ORDER BY id DESC LIMIT 1"), arguments: [id])
            else { return nil }
            let decisionID: Int64 = row["id"]
            let candidates = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT * FROM decision_candidates WHERE decision_id = ? ORDER BY position"),
                arguments: [decisionID]
            ).map { candidate -> CandidateEvaluation in
                let reasons = (candidate["reasons"] as String).split(separator: ",").compactMap { ReasonCode(rawValue: String($0)) }
                let p50: String? = candidate["eta_p50"]
                let p90: String? = candidate["eta_p90"]
                let p99: String? = candidate["eta_p99"]
                var eta: ETA?
                if let p50 = p50.flatMap(CivilDate.init), let p90 = p90.flatMap(CivilDate.init), let p99 = p99.flatMap(CivilDate.init) {
                    eta = ETA(p50: p50, p90: p90, p99: p99)
                }
                let price: Int64? = candidate["price_minor"]
                let cost: Int64? = candidate["cost_units"]
                return CandidateEvaluation(
                    key: ServiceKey(carrier: candidate["carrier"], service: candidate["service"]), origin: candidate["origin"],
                    serviceName: candidate["service_name"], reasons: ReasonSet(reasons), rank: candidate["rank"],
                    price: price.map(Money.init(minorUnits:)), leadDays: candidate["lead_days"], eta: eta,
                    co2eGrams: candidate["co2e_g"], dataQuality: candidate["data_quality"], cost: cost.map(Cost.init(units:)),
                    distanceKm: candidate["km"])
            }
            let chosenCarrier: String? = row["chosen_carrier"]
            let chosenService: String? = row["chosen_service"]
            let chosenOrigin: String? = row["chosen_origin"]
            let chosenIndex = candidates.firstIndex {
                $0.key.carrier == chosenCarrier && $0.key.service == chosenService && (chosenOrigin == nil || $0.origin == chosenOrigin)
            }
            let requested = RequestedServiceOutcome(
                recordedService: row["requested_service"], honoured: row["requested_honoured"], reasons: row["requested_reasons"],
                origin: row["requested_origin"])
            let rules = (row["rules_applied"] as String).split(separator: "\n").map(String.init)
            return Decision(
                shipmentID: id, policyName: row["policy_name"], policySHA256: row["policy_sha256"], currency: row["currency"],
                rulesApplied: rules, candidates: candidates, chosenIndex: chosenCarrier == nil ? nil : chosenIndex,
                late: row["late"], held: row["held"],
                distanceBasis: (row["distance_basis"] as String?).flatMap(DistanceBasis.init(rawValue:)), requested: requested)
        }
    }

    /// The text of a recorded policy version.
    public func policyText(sha256: String) async throws -> String? {
        try await pool.read { try String.fetchOne($0, sql: "SELECT text FROM policy_versions WHERE sha256 = ?", arguments: [sha256]) }
    }
}
