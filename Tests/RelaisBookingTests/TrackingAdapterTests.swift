import Foundation
import Testing
@testable import RelaisCarriers
import RelaisConfig
import RelaisCore
import RelaisSandbox
import RelaisXML

/// `[api.track]` of every shipped carrier, played by relais-sandbox on loopback: each
/// journey read back through the carrier's own codes, time format and mapping.
@Suite(.serialized) struct TrackingAdapterTests {
    static let carriers: [(carrier: String, service: String, relay: String?)] = [
        ("chronopost", "13", nil), ("colissimo", "DOM", nil), ("dpd", "PREDICT", nil), ("mondialrelay", "24R", "075011"),
        ("velocite", "PARIS-J0", nil),
    ]

    /// What a journey shows after each poll, one poll per step, for a carrier that lists
    /// every event; and the events recorded in the end (after de-duplication).
    static let journeys: [(SandboxJourney, statuses: [TrackingStatus], events: Int)] = [
        (.normal, [.preTransit, .inTransit, .outForDelivery, .delivered], 4),
        (.failedThenDelivered, [.preTransit, .inTransit, .outForDelivery, .deliveryFailed, .outForDelivery, .delivered], 6),
        (.relay, [.preTransit, .inTransit, .availableForPickup, .delivered], 4),
        (.returnToSender, [.preTransit, .inTransit, .outForDelivery, .deliveryFailed, .returnedToSender], 5),
        // Delivered is reported at the second poll; in transit and out for delivery, which
        // happened earlier, come after it and are recorded without moving the status back.
        (.outOfOrder, [.preTransit, .delivered, .delivered], 4),
        (.duplicates, [.preTransit, .inTransit, .outForDelivery, .delivered], 4),
        // An unmapped code is kept, as unknown, and does not replace pre_transit.
        (.unknownCodes, [.preTransit, .preTransit, .inTransit, .delivered], 4),
        (.noEvents, [], 0),
    ]

    @Test(arguments: journeys.map(\.0))
    func everyJourneyReadsBackThroughEveryCarriersMapping(_ journey: SandboxJourney) async throws {
        let expected = Self.journeys.first { $0.0 == journey }!
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                for (index, entry) in Self.carriers.enumerated() {
                    let reference = "S-\(journey.rawValue)-\(index)"
                    var knobs = sandbox.knobs(for: entry.carrier)
                    knobs.journeyStepMilliseconds = 3_600_000
                    knobs.journeys[reference] = journey
                    sandbox.setKnobs(knobs, for: entry.carrier)
                    let adapter = Fixtures.adapter(entry.carrier, sandbox: url, http: http)
                    let booking = BookingRequest(
                        reference: reference, service: entry.service,
                        shipment: Fixtures.shipment(id: reference, relayPoint: entry.relay), now: 1_795_425_300)
                    let tracking = try await adapter.book(booking).get().trackingNumber
                    var progress = TrackingProgress()
                    var seen: [TrackingStatus] = []
                    var recorded: Set<TrackingEvent.Key> = []
                    for _ in 0..<max(1, journey.length) {
                        sandbox.advanceClock(by: .seconds(3600))
                        let reply = try await adapter.track(trackingNumber: tracking, now: Instant(secondsSinceEpoch: 1_795_425_300)).get()
                        #expect(reply.unreadable == 0, "\(entry.carrier): \(reply)")
                        for event in reply.events where recorded.insert(event.key).inserted { progress.apply(event) }
                        if let status = progress.status { seen.append(status) }
                    }
                    // Colissimo answers the latest event only: out of order, the in-transit
                    // event listed before the late one is never seen.
                    let events = entry.carrier == "colissimo" && journey == .outOfOrder ? 3 : expected.events
                    #expect(seen == expected.statuses, "\(entry.carrier) \(journey)")
                    #expect(recorded.count == events, "\(entry.carrier) \(journey)")
                    // Colissimo's latest event is delivered by now: the unknown one is past.
                    if journey == .unknownCodes && entry.carrier != "colissimo" {
                        let unknown = try await adapter.track(trackingNumber: tracking, now: .epoch).get().unmappedCodes
                        #expect(unknown.count == 1, "\(entry.carrier): \(unknown)")
                    }
                }
            }
        }
    }

    @Test func eventsCarryTheCarriersTimeLabelAndPlace() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                for entry in Self.carriers {
                    var knobs = sandbox.knobs(for: entry.carrier)
                    knobs.journeyStepMilliseconds = 3_600_000
                    sandbox.setKnobs(knobs, for: entry.carrier)
                    let adapter = Fixtures.adapter(entry.carrier, sandbox: url, http: http)
                    let booking = BookingRequest(
                        reference: "S-time", service: entry.service, shipment: Fixtures.shipment(id: "S-time", relayPoint: entry.relay),
                        now: 1_795_425_300)
                    let tracking = try await adapter.book(booking).get().trackingNumber
                    let bookedAt = sandbox.ledger.entry(carrier: entry.carrier, trackingNumber: tracking)!.bookedAtMilliseconds
                    sandbox.advanceClock(by: .seconds(3600))
                    let reply = try await adapter.track(trackingNumber: tracking, now: .epoch).get()
                    let event = try #require(reply.events.first, "\(entry.carrier)")
                    // One step after the booking, to the minute (carriers' formats stop there).
                    let expected = bookedAt + 3_600_000
                    #expect(abs(event.at.millisecondsSinceEpoch - expected) < 60_000, "\(entry.carrier): \(event.at) vs \(expected)")
                    #expect(event.status == .preTransit, "\(entry.carrier)")
                    #expect(event.label?.isEmpty == false && event.location?.contains("SANDBOX") == true, "\(entry.carrier)")
                    sandbox.advanceClock(by: .seconds(-3600))
                }
            }
        }
    }

    @Test func anUnknownParcelIsAFailureNeverAnUnknownOutcome() async throws {
        try await withSandbox { sandbox, url in
            try await withHTTP { http in
                for entry in Self.carriers where entry.carrier != "mondialrelay" {
                    let adapter = Fixtures.adapter(entry.carrier, sandbox: url, http: http)
                    guard case .failure(let failure) = await adapter.track(trackingNumber: "NOPE", now: .epoch) else {
                        Issue.record("\(entry.carrier) tracked an unknown parcel")
                        continue
                    }
                    #expect(failure.failureClass != .unknownOutcome, "\(entry.carrier): \(failure)")
                }
                // Mondial Relay answers STAT 24 and no events: a parcel without events.
                let mondialRelay = Fixtures.adapter("mondialrelay", sandbox: url, http: http)
                let unknown = try await mondialRelay.track(trackingNumber: "00000000", now: .epoch).get()
                #expect(unknown.events.isEmpty)
            }
        }
    }

    @Test func aTimeTheFormatCannotReadIsCountedNotGuessed() throws {
        let reading = try #require(Fixtures.api("velocite").track?.track)
        let reply = ReplyReader.events(
            in: try XML.parse(
                "<parcel><events><event><code>DELIVERED</code><at>yesterday</at></event>"
                    + "<event><code>CREATED</code><at>2026-11-23T10:15:02Z</at></event><event><code>AT_HUB</code></event></events></parcel>"),
            reading: reading)
        #expect(reply.unreadable == 1)
        #expect(reply.events.map(\.code) == ["CREATED"])
    }

    @Test func aMalformedTrackingReplyIsTransient() throws {
        let reader = ReplyReader(operation: Fixtures.api("velocite").track!)
        guard case .failure(let failure) = reader.readTracking(status: 200, body: Array("<parcel><events>".utf8)) else {
            Issue.record("read")
            return
        }
        #expect(failure.failureClass == .transient)
    }

    /// The codes each carrier documents for the milestones a shop cares about, as its
    /// carrier.toml maps them.
    @Test(arguments: [
        ("chronopost", "DC", TrackingStatus.preTransit), ("chronopost", "PC", .inTransit), ("chronopost", "MD", .outForDelivery),
        ("chronopost", "IA", .deliveryFailed), ("chronopost", "AR", .availableForPickup), ("chronopost", "D", .delivered),
        ("chronopost", "DI1", .delivered), ("chronopost", "RE", .returnedToSender), ("chronopost", "ANN", .cancelled),
        ("colissimo", "COMCFM", .preTransit), ("colissimo", "PCHCFM", .inTransit), ("colissimo", "AARCFM", .inTransit),
        ("colissimo", "MLVCFM", .outForDelivery), ("colissimo", "RENARV", .deliveryFailed), ("colissimo", "MLVARS", .availableForPickup),
        ("colissimo", "RENAVI", .availableForPickup), ("colissimo", "LIVCFM", .delivered), ("colissimo", "LIVGAR", .delivered),
        ("colissimo", "LIVREO", .returnedToSender), ("colissimo", "RENAIN", .exception), ("colissimo", "DOUDOU", .exception),
        ("dpd", "ACCEPTED", .preTransit), ("dpd", "AT_DELIVERY_DEPOT", .inTransit), ("dpd", "DELIVERY_CAR", .outForDelivery),
        ("dpd", "NOT_DELIVERED", .deliveryFailed), ("dpd", "PICKUP_PARCELSHOP", .availableForPickup), ("dpd", "DELIVERED", .delivered),
        ("dpd", "RETURNED", .returnedToSender),
        ("mondialrelay", "PRISE EN CHARGE EN AGENCE", .inTransit), ("mondialrelay", "DISPONIBLE AU POINT RELAIS", .availableForPickup),
        ("mondialrelay", "COLIS LIVRÉ AU DESTINATAIRE", .delivered), ("mondialrelay", "RETOUR À L'EXPÉDITEUR", .returnedToSender),
        ("velocite", "CREATED", .preTransit), ("velocite", "OUT_FOR_DELIVERY", .outForDelivery), ("velocite", "AT_LOCKER", .availableForPickup),
        ("velocite", "DELIVERED", .delivered), ("velocite", "CANCELLED", .cancelled),
    ] as [(String, String, TrackingStatus)])
    func documentedCodesMapToTheirStatus(carrier: String, code: String, status: TrackingStatus) throws {
        let reading = try #require(Fixtures.api(carrier).track?.track)
        #expect(reading.status(of: code) == status)
        #expect(reading.status(of: code + "-NOT-A-CODE") == .unknown)
    }

    @Test func everyShippedCarrierTracksAndItsSandboxCodesAreMapped() throws {
        for entry in Self.carriers {
            let api = Fixtures.api(entry.carrier)
            let reading = try #require(api.track?.track, "\(entry.carrier) has no [api.track]")
            // Every stage the sandbox plays, in the carrier's code, maps back to that stage:
            // the sandbox exercises the real mapping, not one of its own.
            let carrierDirectory = "\(Fixtures.carriers)/\(entry.carrier)"
            let definition = try #require(try SandboxDefinition.load(directory: carrierDirectory, displayPath: entry.carrier)?.track)
            for (stage, code) in definition.codes {
                #expect(reading.status(of: code).rawValue == stage, "\(entry.carrier): \(code) → \(reading.status(of: code))")
            }
            #expect(reading.statuses.values.contains(.delivered))
        }
    }
}
