import RelaisTesting
import Testing

@testable import RelaisCore

/// One carrier's gate: every caller's slots, one rate limit, one breaker; booking first.
@Suite struct CarrierGateTests {
    static let limits = CarrierGate.Limits(maxInFlight: 4, ratePerSecond: nil, breakerThreshold: 2, breakerOpen: .seconds(30))

    @Test func callersShareTheSlotsAndBackgroundCallsLeaveAReserveToBooking() {
        var gate = CarrierGate(limits: Self.limits)
        #expect(Self.limits.bookingReserve == 1)
        // Background calls may take 3 of the 4 slots; the last is booking's.
        for _ in 0..<3 { #expect(gate.admit(.background, now: 0) == .admitted(CarrierGate.Pass(priority: .background, probe: false))) }
        #expect(gate.admit(.background, now: 0) == .refused(.full))
        #expect(gate.admit(.booking, now: 0) == .admitted(CarrierGate.Pass(priority: .booking, probe: false)))
        #expect(gate.admit(.booking, now: 0) == .refused(.full))
        #expect(gate.callsInFlight == 4)
        gate.finished(CarrierGate.Pass(priority: .background, probe: false), outcome: .answered, now: 1)
        #expect(gate.callsInFlight == 3)
    }

    @Test func backgroundCallsWaitWhileBookingCallsWait() {
        var gate = CarrierGate(limits: Self.limits)
        gate.bookingWaiting = 5
        #expect(gate.admit(.background, now: 0) == .refused(.bookingFirst))
        #expect(gate.admit(.booking, now: 0) == .admitted(CarrierGate.Pass(priority: .booking, probe: false)))
        gate.bookingWaiting = 0
        #expect(gate.admit(.background, now: 0) == .admitted(CarrierGate.Pass(priority: .background, probe: false)))
    }

    @Test func anyCallersFailuresOpenTheBreakerForEveryoneAndAProbeHalfOpensIt() {
        var gate = CarrierGate(limits: Self.limits)
        let tracking = CarrierGate.Pass(priority: .background, probe: false)
        let booking = CarrierGate.Pass(priority: .booking, probe: false)
        _ = gate.admit(.background, now: 0)
        _ = gate.admit(.booking, now: 0)
        #expect(gate.finished(tracking, outcome: .failed, now: 10) == false)
        #expect(gate.finished(booking, outcome: .failed, now: 20) == true)  // opened
        #expect(gate.admit(.booking, now: 100) == .refused(.breakerOpen(until: 30_020)))
        #expect(gate.admit(.background, now: 100) == .refused(.breakerOpen(until: 30_020)))
        #expect(!gate.breakerPermits(now: 30_019))
        // Half-open: one probe; its success closes the breaker for all.
        #expect(gate.admit(.booking, now: 30_020) == .admitted(CarrierGate.Pass(priority: .booking, probe: true)))
        #expect(gate.admit(.booking, now: 30_021) == .refused(.breakerOpen(until: nil)))
        gate.finished(CarrierGate.Pass(priority: .booking, probe: true), outcome: .answered, now: 30_100)
        #expect(gate.breaker.state == .closed(consecutiveFailures: 0))
    }

    @Test func aCallNotSentSaysNothingOfHealthAndGivesBackAProbe() {
        var gate = CarrierGate(limits: CarrierGate.Limits(maxInFlight: 1, breakerThreshold: 1, breakerOpen: .milliseconds(10)))
        _ = gate.admit(.booking, now: 0)
        gate.finished(CarrierGate.Pass(priority: .booking, probe: false), outcome: .failed, now: 0)
        guard case .admitted(let probe) = gate.admit(.booking, now: 10), probe.probe else {
            Issue.record("no probe after the open period")
            return
        }
        gate.finished(probe, outcome: .notSent, now: 11)
        #expect(gate.admit(.booking, now: 12) == .admitted(CarrierGate.Pass(priority: .booking, probe: true)))
    }

    @Test func theRateLimitHoldsForAllCallersAndARefusedCallSpendsNoToken() {
        var gate = CarrierGate(limits: CarrierGate.Limits(maxInFlight: 100, ratePerSecond: 10, breakerThreshold: 1, breakerOpen: .seconds(1)))
        // Burst of 1 (10/s ÷ 10): one call now, the next 100 ms later.
        #expect(gate.admit(.booking, now: 0) == .admitted(CarrierGate.Pass(priority: .booking, probe: false)))
        #expect(gate.admit(.background, now: 50) == .refused(.rateLimited(next: 100)))
        #expect(gate.admit(.background, now: 100) == .admitted(CarrierGate.Pass(priority: .background, probe: false)))
    }

    @Test func aReloadKeepsAnOpenBreakerAndTheCallsUnderWay() {
        var gate = CarrierGate(limits: CarrierGate.Limits(maxInFlight: 2, breakerThreshold: 1, breakerOpen: .seconds(30)))
        _ = gate.admit(.booking, now: 0)
        _ = gate.admit(.booking, now: 0)
        gate.finished(CarrierGate.Pass(priority: .booking, probe: false), outcome: .failed, now: 5)
        gate.reconfigure(CarrierGate.Limits(maxInFlight: 8, breakerThreshold: 3, breakerOpen: .seconds(60)))
        #expect(gate.breaker.state == .open(until: 30_005))
        #expect(gate.breaker.failureThreshold == 3)
        #expect(gate.callsInFlight == 1)
        #expect(gate.limits.maxInFlight == 8)
    }
}
