import Foundation
import Hummingbird
import Logging
import RelaisControlAPI
import RelaisCore
import RelaisOrders
import RelaisStore

/// Returns (SPEC §14): `POST /v1/returns`.
extension ControlHandlers {
    /// Decides the return over return services with the policy in force, records it (`R-…`,
    /// queued for booking, or held with its reasons) and answers 201 with the shipment. The
    /// booking stage books it like any shipment; the shop hears `return.booked`. 400 names
    /// the field; 404 an unknown order; 409 an order never shipped, parcels already coming
    /// back, or a return id used before.
    func createReturn(body: Data, peer: PeerCredentials, logger: Logger) async throws -> Response {
        guard let desk = state.store as? any ReturnDesk else {
            throw ControlError.notOnThisStore("this store keeps no returns")
        }
        let request: ReturnRequest
        do {
            request = try ReturnRequest.decode(Array(body))
        } catch {
            throw ControlError.badRequest(error.description)
        }
        guard let recorded = try await desk.recordedOrder(id: request.order) else {
            throw ControlError.notFound("no order \(request.order)")
        }
        let running = state.running
        let config = running.configuration.config
        if let toSite = request.toSite, config.site(id: toSite) == nil {
            throw ControlError.badRequest("to_site: no site '\(toSite)' in relais.toml")
        }
        let now = state.clock()
        let readyAt = Date(timeIntervalSince1970: Double(now / 1000)).formatted(Date.ISO8601FormatStyle())
        let decoded: DecodedOrder
        do {
            decoded = try request.returnOrder(recorded: recorded, readyAt: readyAt)
        } catch {
            throw ControlError.badRequest(error.description)
        }
        guard let site = config.site(id: decoded.order.site) else {
            throw ControlError.badRequest("to_site: the order's site '\(decoded.order.site)' is no longer in relais.toml; name one")
        }
        var shipment = Shipment(id: request.id, orders: [decoded.order], site: site)
        shipment.direction = .return
        var cache: [String: SiteBookings] = [:]
        let context = try await decisionContext([site], now: now, openCircuits: state.carriers.closedToBookings, cache: &cache)
        let decision = running.engine.decide(shipment, context: context)
        let id: String
        do {
            id = try await desk.createReturn(
                NewReturn(
                    id: request.id, orderID: request.order, reason: request.reason, site: site.id, parcels: shipment.parcels.count,
                    weightKg: shipment.totalWeightKg, body: decoded.canonicalJSON),
                decision: decision, policy: running.configuration.policy, actor: .operator(uid: peer.uid), now: now)
        } catch let error as StoreError where error.isRefused {
            throw ControlError.conflict(error.message)
        } catch let error as StoreError where error.isNotFound {
            throw ControlError.notFound(error.message)
        }
        logger.notice(
            "control: return \(request.id) of order \(request.order): \(id) \(decision.chosen.map { "\($0.key)" } ?? "held")",
            metadata: ["relais.uid": "\(peer.uid)", "relais.shipment": "\(id)"])
        guard let record = try await state.store.shipment(id: id) else { throw ControlError.internal("return \(id) not found after recording") }
        return try JSONResponse.make(ShipmentReply(record, attempts: nil), status: .created)
    }
}
