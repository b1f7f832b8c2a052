import RelaisCore

extension OrderDecoder {
    /// An order as the store recorded it (canonical JSON).
    ///
    /// Recorded orders were validated at intake; decoding them again fails only if the
    /// database was edited by hand, and then says so.
    public static func recorded(_ body: String) throws(RecordedOrderError) -> Order {
        let value: JSONValue
        do {
            value = try JSONValue.parse(Array(body.utf8))
        } catch {
            throw RecordedOrderError(message: "a recorded order is not JSON: \(error)")
        }
        switch OrderDecoder().validatedOrder(value, position: 0) {
        case .success(let decoded): return decoded.order
        case .failure(let rejection):
            throw RecordedOrderError(
                message: "recorded order \(rejection.orderID ?? "?") no longer validates: \(rejection.problems)")
        }
    }
}

/// A recorded order that cannot be read back.
public struct RecordedOrderError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
