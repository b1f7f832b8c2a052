import Foundation
import RelaisConfig
import RelaisCore
import RelaisXML

extension Sandbox {
    /// Answers a tracking request: the events of the parcel's journey reported by now, in
    /// the carrier's codes (sandbox.toml `[track.codes]`) and time format (carrier.toml's
    /// `[api.track]`), rendered with the carrier's reply template.
    func track(_ carrier: SandboxCarrier, operation: CarrierOperation, request: XMLElement) -> SandboxResponse {
        guard let definition = carrier.definition.track, let reading = operation.track else {
            return fault(carrier, status: 501, transient: false, message: "the sandbox does not play tracking for \(carrier.id)")
        }
        let number = definition.number.value(in: request) ?? ""
        guard let entry = ledger.entry(carrier: carrier.id, trackingNumber: number) else {
            guard let notFound = definition.notFound else {
                return fault(carrier, status: carrier.soap == nil ? 404 : 500, transient: false, message: "unknown parcel \(number)")
            }
            return SandboxResponse(status: 200, xml: notFound.compiled.render(["number": number]))
        }
        let knobs = knobs(for: carrier.id)
        let journey = knobs.journey(reference: entry.reference)
        let step = Int64(knobs.journeyStepMilliseconds)
        let elapsed = (nowMilliseconds() - entry.bookedAtMilliseconds) / step
        var events: [[String: Any]] = []
        for journeyStep in journey.steps where Int64(journeyStep.reported) <= elapsed {
            let code = definition.codes[journeyStep.stage] ?? journeyStep.stage
            let at = Instant(millisecondsSinceEpoch: entry.bookedAtMilliseconds + Int64(journeyStep.happened) * step)
            let text = reading.format.text(at, zone: reading.timeZone)
            var date = text, time = ""
            if reading.time != nil, let space = text.firstIndex(of: " ") {
                date = String(text[..<space])
                time = String(text[text.index(after: space)...])
            }
            let event: [String: Any] = [
                "code": code, "label": definition.labels[journeyStep.stage] ?? "\(code) (sandbox)",
                "location": "SANDBOX \(carrier.id.uppercased())", "at": text, "date": date, "time": time,
            ]
            for _ in 0..<journey.copies { events.append(event) }
        }
        var context: [String: Any] = ["number": number, "events": events]
        if let last = events.last { context["last"] = last }
        return SandboxResponse(status: 200, xml: definition.reply.compiled.render(context))
    }
}
