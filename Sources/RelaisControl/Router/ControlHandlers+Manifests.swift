import Foundation
import Hummingbird
import Logging
import RelaisControlAPI
import RelaisCore
import RelaisStore

/// End-of-day manifests (SPEC §14): `GET /v1/manifests?date=`, `POST /v1/manifests/close`.
extension ControlHandlers {
    /// `GET /v1/manifests?date=YYYY-MM-DD`: that pickup date's manifests, else the latest.
    func manifests(query: Parameters) async throws -> Response {
        guard let ledger = state.manifests else {
            throw ControlError.notOnThisStore("this store keeps no manifests")
        }
        var date: CivilDate?
        if let text = query["date"].map(String.init) {
            guard let parsed = CivilDate(text) else { throw ControlError.badRequest("date '\(text)' is not YYYY-MM-DD") }
            date = parsed
        }
        let records = try await ledger.manifests(pickupDate: date, limit: 100)
        return try JSONResponse.make(ManifestListReply(manifests: records.map(ManifestReply.init)))
    }

    /// The body of `POST /v1/manifests/close`.
    struct CloseRequest: Decodable {
        var carrier: String
        var site: String
    }

    /// `POST /v1/manifests/close` `{"carrier", "site"}`: closes now, for the current pickup
    /// date. 200 with the manifest; 409 when nothing waits or the date is closed; 503 when
    /// the carrier did not take it yet (the manifest is `closing` and finished later: the
    /// closer relaisd wires in throws ``ControlError/unavailable(_:)`` for it).
    func closeManifest(body: Data, peer: PeerCredentials, logger: Logger) async throws -> Response {
        guard let close = state.manifestCloser else {
            throw ControlError.notOnThisStore("this store keeps no manifests")
        }
        let request: CloseRequest
        do {
            request = try JSONDecoder().decode(CloseRequest.self, from: body)
        } catch {
            throw ControlError.badRequest("the body must be {\"carrier\": \"…\", \"site\": \"…\"}")
        }
        do {
            let record = try await close(request.carrier, request.site)
            logger.notice(
                "control: manifest \(record.id) closed: \(record.lines.count) shipments",
                metadata: ["relais.uid": "\(peer.uid)", "relais.carrier": "\(request.carrier)"])
            return try JSONResponse.make(ManifestReply(record))
        } catch let error as StoreError where error.isRefused {
            throw ControlError.conflict(error.message)
        } catch let error as StoreError where error.isNotFound {
            throw ControlError.notFound(error.message)
        }
    }
}
