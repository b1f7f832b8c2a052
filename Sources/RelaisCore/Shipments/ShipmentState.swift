/// Where a shipment is in its life (SPEC §2). Postfix's queues are the model: each state
/// is a queue an operator can list, hold, release and requeue.
public enum ShipmentState: String, CaseIterable, Codable, Hashable, Sendable {
    /// Decided, waiting for the booking stage.
    case queued
    /// Claimed by the booking stage; a carrier call may be under way.
    case booking
    /// The carrier accepted it: tracking number and label recorded. Final.
    case booked
    /// A transient failure; tried again at `next_attempt_at`.
    case deferred
    /// Held by an operator or by the policy; never expires while held.
    case held
    /// A booking call's outcome is unknown (a timeout after sending, or a crash while
    /// booking). Never booked elsewhere until reconciled.
    case uncertain
    /// Permanent failure, or lifetime expired. Final unless an operator requeues it.
    case failed
    /// Cancelled (SPEC §14): before booking without a carrier call, or once booked by the
    /// carrier's own cancel. Terminal: nothing brings it back.
    case cancelled
}

/// What can happen to a shipment.
public enum ShipmentEvent: Hashable, Sendable {
    /// The booking stage takes it (queued, or deferred and due).
    case claim
    /// The carrier confirmed the booking.
    case booked
    /// A transient failure: try again later.
    case transientFailure
    /// A permanent failure with no candidate left, or the lifetime is over.
    case permanentFailure
    /// The failed carrier is known not to have booked: go back to the queue for the next
    /// eligible candidate.
    case failover
    /// A call whose outcome is unknown (timeout after the request was sent).
    case outcomeUnknown
    /// The daemon starts and finds the shipment still `booking`: it crashed mid-call.
    case recoveredAfterCrash
    /// The carrier's lookup by our reference says it was, or was not, booked.
    case reconciled(booked: Bool)
    /// Operator actions (`relaisctl hold|release|retry|requeue|fail`).
    case hold, release, retry, requeue, fail
    /// The decision found nothing eligible, or the policy holds unmeetable promises.
    case policyHold
    /// An operator cancels a shipment not yet at a carrier (`queued`, `deferred`, `held`):
    /// no carrier call is needed (SPEC §14).
    case cancel
    /// The carrier confirmed the cancel of a booked shipment (or has no cancel call and
    /// bills only the parcels it scans).
    case cancelledAtCarrier
}

/// The shipment lifecycle as a value: states take events and say what comes next.
///
/// Pure and exhaustive; the store applies the result in the same transaction that
/// records the event, so a state never changes without its reason.
public enum ShipmentLifecycle {
    /// Why an event does not apply, in words for the operator.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        public var state: ShipmentState
        public var event: ShipmentEvent
        public var reason: String
        public var description: String { reason }
    }

    /// The state after `event`, or a refusal saying why not.
    public static func next(_ state: ShipmentState, on event: ShipmentEvent) -> Result<ShipmentState, Refusal> {
        func refuse(_ reason: String) -> Result<ShipmentState, Refusal> {
            .failure(Refusal(state: state, event: event, reason: reason))
        }
        switch (state, event) {
        case (.queued, .claim), (.deferred, .claim): return .success(.booking)
        case (.booking, .booked): return .success(.booked)
        case (.booking, .transientFailure): return .success(.deferred)
        case (.booking, .permanentFailure): return .success(.failed)
        case (.booking, .failover): return .success(.queued)
        case (.booking, .outcomeUnknown), (.booking, .recoveredAfterCrash): return .success(.uncertain)
        case (.uncertain, .reconciled(let booked)): return .success(booked ? .booked : .queued)
        case (.deferred, .permanentFailure): return .success(.failed)  // lifetime expired

        case (.queued, .policyHold): return .success(.held)
        case (.queued, .hold), (.deferred, .hold), (.failed, .hold): return .success(.held)
        case (.uncertain, .hold): return refuse("an uncertain shipment may have been booked: reconcile it with release or fail")
        case (.held, .release): return .success(.queued)
        // Releasing an uncertain shipment is the operator's word that the carrier did not book it.
        case (.uncertain, .release): return .success(.queued)
        case (.deferred, .retry): return .success(.queued)
        case (.failed, .requeue), (.deferred, .requeue), (.held, .requeue): return .success(.queued)
        case (.queued, .fail), (.deferred, .fail), (.held, .fail), (.uncertain, .fail): return .success(.failed)

        case (.booking, .hold), (.booking, .release), (.booking, .retry), (.booking, .requeue), (.booking, .fail):
            return refuse("a carrier call is under way; wait for its outcome")
        case (.queued, .cancel), (.deferred, .cancel), (.held, .cancel): return .success(.cancelled)
        case (.booked, .cancelledAtCarrier): return .success(.cancelled)
        case (.booked, .cancel): return refuse("booked: the carrier must cancel it first")
        case (.booking, .cancel): return refuse("a carrier call is under way; wait for its outcome")
        case (.uncertain, .cancel):
            return refuse("an uncertain shipment may have been booked: reconcile it with release or fail first")
        case (.cancelled, _):
            return refuse("already cancelled")
        case (.booked, _):
            return refuse("already booked")
        case (.queued, _), (.booking, _), (.deferred, _), (.held, _), (.uncertain, _), (.failed, _):
            return refuse("\(event) does not apply to a \(state.rawValue) shipment")
        }
    }
}

extension ShipmentLifecycle {
    /// The states `event` applies to: where a store may apply it to many rows at once (a
    /// claim) and still follow the lifecycle.
    public static func states(accepting event: ShipmentEvent) -> [ShipmentState] {
        ShipmentState.allCases.filter { state in
            if case .success = next(state, on: event) { true } else { false }
        }
    }
}
