import Foundation
import RelaisTesting
import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisSandbox

enum Fixtures {
    static let repository = Repository.root
    static var carriers: String { repository.appendingPathComponent("carriers").path }

    static let paris = TimeZone(identifier: "Europe/Paris")!
    static let lyon = Site(
        id: "lyon-dc", name: "Entrepôt Lyon Gerland", street: ["10 avenue Tony Garnier"], postcode: "69007", city: "Lyon",
        country: "FR", coordinate: Coordinate(lat: 45.7323, lon: 4.8283), timeZone: paris)

    static func shipment(id: String = "S-1", name: String = "Camille Martin", relayPoint: String? = nil, parcels: Int = 1)
        -> Shipment
    {
        Shipment(
            id: id, orderIDs: ["o-\(id)"], site: lyon,
            recipient: Recipient(
                name: name, street: ["12 rue de la Roquette", "Bâtiment B"], postcode: "75011", city: "Paris", country: "FR",
                phone: "+33612345678", email: "camille@example.fr"),
            serviceLevel: .standard, deliveryMode: relayPoint == nil ? .home : .relay, relayPoint: relayPoint,
            parcels: Array(repeating: Parcel(weightKg: 1.25, lengthCm: 30, widthCm: 20, heightCm: 10), count: parcels),
            ready: LocalTime(instant: 1_795_425_300, in: paris), promisedBy: nil, tags: [], value: nil)
    }

    static let panel: LoadedPanel = try! PanelLoader.load(directory: carriers)

    static func api(_ carrier: String) -> CarrierAPISettings {
        panel.carriers.first { $0.carrier.id == carrier }!.api!
    }

    static func credentials(_ carrier: String) -> CarrierCredentials {
        try! CarrierCredentials.load(name: "credentials", directory: "\(carriers)/\(carrier)/sandbox")
    }

    static func adapter(_ carrier: String, sandbox url: String, http: CarrierHTTP, timeout: Double? = nil) -> CarrierAdapter {
        var api = api(carrier)
        if let timeout { api.timeoutSeconds = timeout }
        return CarrierAdapter(carrierID: carrier, api: api, baseURL: "\(url)/\(carrier)", credentials: credentials(carrier), http: http)
    }
}

/// Runs `body` with relais-sandbox serving the shipped carriers on a free loopback port.
func withSandbox<T: Sendable>(_ body: (Sandbox, String) async throws -> T) async throws -> T {
    let sandbox = try Sandbox(carriersDirectory: Fixtures.carriers)
    let (urls, continuation) = AsyncStream.makeStream(of: String.self)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
        var iterator = urls.makeAsyncIterator()
        guard let url = await iterator.next() else { throw CancellationError() }
        do {
            let result = try await body(sandbox, url)
            group.cancelAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}

/// Runs `body` with one shared HTTP client, shut down afterwards.
func withHTTP<T: Sendable>(_ body: (CarrierHTTP) async throws -> T) async throws -> T {
    let http = CarrierHTTP()
    do {
        let result = try await body(http)
        try await http.shutdown()
        return result
    } catch {
        try? await http.shutdown()
        throw error
    }
}
