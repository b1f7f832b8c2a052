import RelaisCore
import RelaisStore

/// New shipments as columns, one array per column, for one `INSERT … FROM unnest(…)`
/// (``PostgresConnection/insertShipments(_:logger:)``).
struct NewShipmentRows {
    var ids: [String] = [], seqs: [Int64] = [], states: [String] = [], sites: [String] = [], consolidationKeys: [String] = []
    var dues: [Int64?] = [], carriers: [String?] = [], services: [String?] = [], prices: [Int64?] = [], currencies: [String] = []
    var etas: [String?] = [], co2e: [Double?] = [], late: [Bool] = [], reasons: [String?] = [], parcels: [Int64] = []
    var weights: [Double] = [], directions: [String] = [], decisionIDs: [Int64] = []
    /// Their creation time, one for all.
    let now: Int64

    init(now: Int64) { self.now = now }

    /// A shipment in `state` carrying its decision's choice (none when held); a queued one
    /// is due now.
    mutating func append(
        id: String, seq: Int64, state: ShipmentState, site: String, consolidationKey: String, decision: Decision, decisionID: Int64,
        reason: String?, parcels: Int, weightKg: Double, direction: Direction
    ) {
        let chosen = decision.chosen
        ids.append(id)
        seqs.append(seq)
        states.append(state.rawValue)
        sites.append(site)
        consolidationKeys.append(consolidationKey)
        dues.append(state == .queued ? now : nil)
        carriers.append(chosen?.key.carrier)
        services.append(chosen?.key.service)
        prices.append(chosen?.price?.minorUnits)
        currencies.append(decision.currency)
        etas.append(chosen?.eta?.p50.description)
        co2e.append(chosen?.co2eGrams)
        late.append(decision.late)
        reasons.append(reason)
        self.parcels.append(Int64(parcels))
        weights.append(weightKg)
        directions.append(direction.rawValue)
        decisionIDs.append(decisionID)
    }
}
