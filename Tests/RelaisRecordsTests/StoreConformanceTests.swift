import Foundation
import RelaisCore
import RelaisRecords
import RelaisStore
import RelaisTesting
import Testing

/// The store conformance suite (RelaisTesting) against SQLite: the checks a second engine
/// must pass too. Each check gets a new database; its "nodes" are stores on that one file.
@Suite struct StoreConformanceTests {
    @Test(arguments: StoreConformance.all)
    func sqlite(_ check: StoreConformance.Check) async throws {
        let temporary = try TemporaryStore()
        defer { temporary.remove() }
        let path = temporary.path
        let fixture = StoreConformance(
            makeStore: { node, lease in try RecordStore(path: path, node: node, lease: lease) },
            makeOrders: { ids in
                ids.enumerated().map { index, id in Orders.incoming(Orders.json(id: id, name: "Client \(index)", street: "\(index) rue \(id)")) }
            },
            decide: { store, now in try await AggregationStageTests.stage(store).runOnce(now: now).created },
            now: Orders.readyMillis)
        try await check.run(fixture)
    }
}
