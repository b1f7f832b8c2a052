import Foundation
import RelaisCore
import RelaisOrders

/// The order and cart decoders: every input is accepted or rejected with a reason, never
/// both for the same order, and the same bytes always decode the same way.
enum DecoderTargets {
    static let sites: Set<String> = ["lyon-dc", "lille-store"]

    static func orders(_ input: Data) {
        let decoder = OrderDecoder(knownSites: sites, maxBytes: 1 << 20)
        let batch = decoder.decode(input)
        for decoded in batch.orders {
            // What the store keeps reads back as the same order (the daemon decides from it).
            guard let recorded = try? OrderDecoder.recorded(decoded.canonicalJSON), recorded == decoded.order else {
                FuzzTarget.violated("order \(decoded.order.id) does not read back from its canonical JSON")
            }
        }
        for rejection in batch.rejections where rejection.problems.isEmpty {
            FuzzTarget.violated("a rejection without a reason at position \(rejection.position)")
        }
        let again = decoder.decode(input)
        guard again.orders.map(\.order.id) == batch.orders.map(\.order.id), again.rejections.count == batch.rejections.count else {
            FuzzTarget.violated("the same bytes decoded two ways")
        }
        // A recorded order body edited by hand is read back or refused, never trapped on.
        _ = try? OrderDecoder.recorded(String(decoding: input, as: UTF8.self))
    }

    static func carts(_ input: Data) {
        if case .failure(let rejection) = CartDecoder(knownSites: sites).decode(input), "\(rejection)".isEmpty {
            FuzzTarget.violated("a cart refused without a reason")
        }
    }
}
