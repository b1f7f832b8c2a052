import Testing
@testable import RelaisCore

@Suite struct ShipmentLifecycleTests {
    static let events: [ShipmentEvent] = [
        .claim, .booked, .transientFailure, .permanentFailure, .failover, .outcomeUnknown, .recoveredAfterCrash,
        .reconciled(booked: true), .reconciled(booked: false), .hold, .release, .retry, .requeue, .fail, .policyHold,
    ]

    /// Every (state, event) pair, against the table of SPEC §2.
    @Test func transitions() {
        let allowed: [ShipmentState: [ShipmentEvent: ShipmentState]] = [
            .queued: [.claim: .booking, .hold: .held, .fail: .failed, .policyHold: .held],
            .booking: [.booked: .booked, .transientFailure: .deferred, .permanentFailure: .failed, .failover: .queued,
                       .outcomeUnknown: .uncertain, .recoveredAfterCrash: .uncertain],
            .deferred: [.claim: .booking, .permanentFailure: .failed, .hold: .held, .retry: .queued, .requeue: .queued, .fail: .failed],
            .held: [.release: .queued, .requeue: .queued, .fail: .failed],
            .uncertain: [.reconciled(booked: true): .booked, .reconciled(booked: false): .queued, .release: .queued, .fail: .failed],
            .failed: [.hold: .held, .requeue: .queued],
            .booked: [:],
        ]
        for state in ShipmentState.allCases {
            for event in Self.events {
                let result = ShipmentLifecycle.next(state, on: event)
                if let expected = allowed[state]?[event] {
                    #expect((try? result.get()) == expected, "\(state) on \(event)")
                } else {
                    #expect(throws: ShipmentLifecycle.Refusal.self, "\(state) on \(event)") { try result.get() }
                }
            }
        }
    }

    @Test func refusalsSayWhy() {
        #expect(ShipmentLifecycle.next(.booked, on: .requeue).failureReason == "already booked")
        #expect(ShipmentLifecycle.next(.booking, on: .hold).failureReason == "a carrier call is under way; wait for its outcome")
        #expect(ShipmentLifecycle.next(.uncertain, on: .hold).failureReason?.contains("reconcile") == true)
    }
}

extension Result where Failure == ShipmentLifecycle.Refusal {
    var failureReason: String? {
        if case .failure(let refusal) = self { return refusal.reason }
        return nil
    }
}
