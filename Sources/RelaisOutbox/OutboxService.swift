import Logging
import Metrics
import RelaisControlAPI
import RelaisCore
import RelaisRecords
import RelaisStore
import ServiceLifecycle

/// Delivers the outbox (SPEC §12): one loop per endpoint, each reading the events due
/// there (at most `maxInFlight` under way), making the attempts through its transport and
/// recording the results in groups: one write per poll interval, or per 128 results.
///
/// Endpoints are independent: a slow or dead one fills its own in-flight slots and no
/// other's, and nothing here touches booking. A graceful stop stops claiming and waits
/// for the attempts under way (each has a deadline); a crash leaves them pending, and they
/// are made again with the same event id after the restart: at least once.
public struct OutboxService: Service {
    /// One endpoint as the service runs it.
    public struct Endpoint: Sendable {
        /// The store's id (``RecordStore/configureOutbox(endpoints:trackingURLs:)``).
        public var id: Int64
        /// For logs and metrics: `spool`, `webhook-1`, …
        public var name: String
        public var transport: any OutboxTransport
        public var maxInFlight: Int

        public init(id: Int64, name: String, transport: any OutboxTransport, maxInFlight: Int) {
            self.id = id
            self.name = name
            self.transport = transport
            self.maxInFlight = maxInFlight
        }
    }

    let store: any OutboxLog
    let endpoints: [Endpoint]
    let schedule: DeliverySchedule
    let clock: @Sendable () -> Int64
    let logger: Logger
    /// How often an idle endpoint looks for new events: the lag floor.
    let pollInterval: Duration
    /// When several nodes deliver one store's outbox (SPEC §16): each look claims what it
    /// takes for this many milliseconds, so that no other node makes the same attempt
    /// meanwhile. Nil for the one process delivering a store: looks are reads.
    let claimLease: Int64?

    public init(
        store: any OutboxLog, endpoints: [Endpoint], schedule: DeliverySchedule = DeliverySchedule(),
        clock: @escaping @Sendable () -> Int64, logger: Logger, pollInterval: Duration = .milliseconds(50),
        claimLease: Duration? = nil
    ) {
        self.store = store
        self.endpoints = endpoints
        self.schedule = schedule
        self.clock = clock
        self.logger = logger
        self.pollInterval = pollInterval
        self.claimLease = claimLease.map { $0.wholeMilliseconds }
    }

    public func run() async throws {
        guard !endpoints.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        try await withThrowingDiscardingTaskGroup { group in
            for endpoint in endpoints {
                group.addTask { try await self.runEndpoint(endpoint) }
            }
        }
    }

    /// What finished in the endpoint's task group: an attempt, or the poll timer.
    enum Completion: Sendable {
        case attempt(OutboxDelivery, OutboxDeliveryResult)
        case tick
    }

    func runEndpoint(_ endpoint: Endpoint) async throws {
        let dimensions = [("endpoint", endpoint.name)]
        let delivered = Counter(label: "relais_outbox_delivered_total", dimensions: dimensions)
        let failures = Counter(label: "relais_outbox_failures_total", dimensions: dimensions)
        let lag = Metrics.Timer(label: "relais_outbox_lag_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
        try await withThrowingTaskGroup(of: Completion.self) { group in
            var inFlight = 0
            var ticking = false
            // Looked for at start, at each tick, and when half the slots are free: one read
            // serves several attempts.
            var lookNow = true
            var results: [(OutboxDelivery, OutboxDeliveryResult)] = []
            // Events under way or with results not yet recorded: still pending in the store,
            // never taken again meanwhile. Claims are reads unless several nodes share the
            // store (`claimLease`).
            var taken: Set<Int64> = []
            func flush() async throws {
                guard !results.isEmpty else { return }
                try await store.recordOutboxResults(results, now: clock())
                for (delivery, _) in results { taken.remove(delivery.eventSeq) }
                results.removeAll(keepingCapacity: true)
            }
            while true {
                let stopping = Task.isShuttingDownGracefully || Task.isCancelled
                if stopping, inFlight == 0 { break }
                if !stopping, lookNow || inFlight <= endpoint.maxInFlight / 2, inFlight < endpoint.maxInFlight {
                    lookNow = false
                    let now = clock()
                    let limit = endpoint.maxInFlight - inFlight
                    let claimed =
                        if let claimLease {
                            try await store.claimOutboxDeliveries(endpoint: endpoint.id, now: now, limit: limit, lease: claimLease)
                        } else {
                            try await store.dueOutboxDeliveries(endpoint: endpoint.id, now: now, limit: limit, excluding: taken)
                        }
                    for delivery in claimed {
                        inFlight += 1
                        taken.insert(delivery.eventSeq)
                        group.addTask {
                            let outcome = await endpoint.transport.deliver(delivery, now: clock())
                            let result = schedule.result(
                                of: outcome, attemptsBefore: delivery.attempts, now: clock(), draw: Double.random(in: -1...1))
                            return .attempt(delivery, result)
                        }
                    }
                }
                if !ticking, !stopping {
                    ticking = true
                    let interval = pollInterval
                    group.addTask {
                        try? await Task.sleep(for: interval)
                        return .tick
                    }
                }
                guard let completion = try await group.next() else { break }
                switch completion {
                case .tick:
                    ticking = false
                    lookNow = true
                    try await flush()
                case .attempt(let delivery, let result):
                    inFlight -= 1
                    results.append((delivery, result))
                    switch result {
                    case .delivered:
                        delivered.increment()
                        lag.recordMilliseconds(max(0, clock() - delivery.at))
                    case .retry(_, let error), .dead(let error), .gone(let error):
                        failures.increment()
                        Self.log(result, delivery: delivery, endpoint: endpoint.name, error: error, logger: logger)
                    }
                    // Group commits: at most one write per poll interval, unless many are done.
                    if results.count >= 128 || inFlight == 0 { try await flush() }
                }
            }
            group.cancelAll()
            try await flush()
        }
    }

    static func log(_ result: OutboxDeliveryResult, delivery: OutboxDelivery, endpoint: String, error: String, logger: Logger) {
        let metadata: Logger.Metadata = [
            "relais.event": "\(delivery.eventID)", "relais.endpoint": "\(endpoint)",
            "relais.shipment": "\(delivery.shipmentID ?? "-")",
        ]
        switch result {
        case .delivered: break
        case .retry(let at, _):
            logger.warning(
                "outbox: \(delivery.eventID) to \(endpoint) failed (attempt \(delivery.attempts + 1)): \(error); next attempt at \(OutboxBody.timestamp(at))",
                metadata: metadata)
        case .dead:
            logger.error("outbox: \(delivery.eventID) to \(endpoint) is dead: \(error)", metadata: metadata)
        case .gone:
            logger.error(
                "outbox: \(endpoint) answered 410 Gone: disabled until `relaisctl webhooks enable`; \(delivery.eventID) stays pending",
                metadata: metadata)
        }
    }
}
