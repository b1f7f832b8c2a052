import Foundation
import RelaisCarriers
import RelaisConfig
import RelaisTesting

/// A carrier's HTTP reply, read by every operation of every shipped carrier: a verdict for any
/// bytes, never a booking from a refusal, and a detail short enough for a log line.
final class ReplyTarget: Sendable {
    static let shared = ReplyTarget()

    /// The statuses a carrier sends; the input's first byte picks one.
    static let statuses = [200, 201, 202, 204, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504]
    /// The longest failure detail a reply may produce: it goes into the attempt's record and
    /// the journal, so a carrier's reply is quoted, never copied whole.
    static let maxDetail = 2048

    let readers: [(name: String, reader: ReplyReader)]

    private init() {
        let panel: LoadedPanel
        do {
            panel = try PanelLoader.load(directory: Repository.root.appendingPathComponent("carriers").path)
        } catch {
            FuzzTarget.violated("the shipped panel does not load: \(error)")
        }
        readers = panel.carriers.flatMap { carrier in
            (carrier.api?.operations ?? [:]).sorted { $0.key < $1.key }.map { ("\(carrier.carrier.id).\($0.key)", ReplyReader(operation: $0.value)) }
        }
        if readers.isEmpty { FuzzTarget.violated("no shipped carrier has an operation") }
    }

    func run(_ input: Data) {
        guard let selector = input.first else { return }
        let status = Self.statuses[Int(selector) % Self.statuses.count]
        let body = [UInt8](input.dropFirst())
        for (name, reader) in readers {
            switch reader.readBooking(status: status, body: body) {
            case .success(let booked):
                if !(200..<300).contains(status) { FuzzTarget.violated("\(name): HTTP \(status) read as booked") }
                if booked.trackingNumber.isEmpty { FuzzTarget.violated("\(name): booked without a tracking number") }
            case .failure(let failure):
                check(failure, name)
            }
            if case .failure(let failure) = reader.readLookup(status: status, body: body) { check(failure, name) }
            if case .failure(let failure) = reader.readToken(status: status, body: body) { check(failure, name) }
        }
    }

    private func check(_ failure: CarrierFailure, _ name: String) {
        if failure.message.isEmpty { FuzzTarget.violated("\(name): a failure without a detail") }
        if failure.message.utf8.count > Self.maxDetail {
            FuzzTarget.violated("\(name): a failure detail of \(failure.message.utf8.count) bytes")
        }
    }
}
