import Foundation
import RelaisCore

/// `relais.toml`: where things are, which policy is active, and the sites (SPEC §10).
///
/// Every key has a default, documented in `systemd/relais.toml`. Relative paths are taken
/// relative to the directory of the configuration file.
public struct DaemonConfig: Sendable {
    public struct Paths: Hashable, Sendable {
        /// `relais.sqlite` and `labels/`.
        public var state: String = "/var/lib/relais"
        /// `tmp/ new/ done/ rejected/`.
        public var spool: String = "/var/spool/relais"
        public var carriers: String = "/etc/relais/carriers"
        public var policies: String = "/etc/relais/policies"
        public var socket: String = "/run/relais/relais.sock"

        public init() {}
    }

    public struct Intake: Hashable, Sendable {
        /// Orders ready within this many seconds of each other may ship together; 0 = off.
        public var consolidationWindowSeconds: Int = 0
        /// Spool files over this size are rejected unread.
        public var maxFileBytes: Int = 16 << 20

        public init() {}
    }

    public struct Control: Hashable, Sendable {
        /// Members may write through the socket, with root and the daemon's own user.
        public var operatorGroup: String = "relais"

        public init() {}
    }

    /// The booking stage (SPEC §9). Durations in seconds.
    public struct Booking: Hashable, Sendable {
        /// Where carrier credential files are; `$CREDENTIALS_DIRECTORY` (systemd
        /// LoadCredential) when set, else this.
        public var credentialsDirectory: String = "/etc/relais/credentials"
        /// When set, every carrier is called at `<sandbox_url>/<carrier id>` instead of its
        /// `base_url`: relais-sandbox for the demo, tests and staging.
        public var sandboxURL: String?
        /// Postfix-like backoff after a transient failure.
        public var minimumBackoffSeconds: Double = 10
        public var maximumBackoffSeconds: Double = 600
        /// Transient failures on one service before the next candidate is tried.
        public var failoverAfter: Int = 2
        /// A shipment not booked after this long fails (Postfix's maximal_queue_lifetime).
        public var maximumLifetimeSeconds: Int = 3 * 86_400
        /// Transient failures in a row that open a carrier's breaker, and how long it stays open.
        public var breakerThreshold: Int = 5
        public var breakerOpenSeconds: Double = 30
        /// How often uncertain shipments are looked up at carriers that allow it.
        public var reconcileIntervalSeconds: Double = 60
        /// Shipments claimed at once, and outcomes committed together.
        public var claimBatch: Int = 256
        public var commitBatch: Int = 256

        public init() {}
    }

    /// `[store]` (SPEC §16): a PostgreSQL database shared by several nodes. Without it, the
    /// records are SQLite at `paths.state`.
    /// `[tracking]` (SPEC §13): how often booked shipments are polled at their carrier.
    public struct Tracking: Hashable, Sendable {
        /// false: no polling at all (the shipments' tracking waits).
        public var enabled = true
        public var everySeconds = 2 * 3600
        /// Once out for delivery or available for pickup.
        public var outForDeliveryEverySeconds = 20 * 60
        /// After this long since booking, a shipment is no longer polled.
        public var maxAgeSeconds = 60 * 86_400
        /// Shipments polled per carrier in one pass: bounds the work of a pass however many
        /// are tracked.
        public var batch = 256

        public init() {}

        /// The schedule these settings make.
        public var schedule: TrackingSchedule {
            TrackingSchedule(
                every: .seconds(everySeconds), nearDeliveryEvery: .seconds(outForDeliveryEverySeconds), maxAge: .seconds(maxAgeSeconds))
        }
    }

    public struct Store: Hashable, Sendable {
        /// `postgres://user@host:port/database` (or `?host=/socket/dir`); never a password.
        public var url: String
        /// The credential file (in the credentials directory) holding the password, if any.
        public var credentials: String?
        /// The name this node stamps its claims with; the host name when nil.
        public var node: String?
        /// How long a claim holds without renewal before another node may take it over.
        public var leaseSeconds: Int = 60

        public init(url: String) { self.url = url }
    }

    /// The file it was read from, if any.
    public var file: String?
    public var paths = Paths()
    /// The name of the active policy: `policies/<active>.toml`.
    public var activePolicy = "default"
    public var intake = Intake()
    public var control = Control()
    public var booking = Booking()
    public var tracking = Tracking()
    /// `[outbox]` and `[[webhook]]`: who hears of booked, held, failed and uncertain shipments.
    public var outbox = OutboxSettings()
    public var webhooks: [WebhookSettings] = []
    public var sites: [Site] = []
    /// `[store]`, or nil for SQLite.
    public var store: Store?

    public init() {}

    public func site(id: String) -> Site? { sites.first { $0.id == id } }

    /// `paths.state/relais.sqlite`: the records.
    public var databaseFile: String { (paths.state as NSString).appendingPathComponent("relais.sqlite") }

    /// `paths.policies/<active>.toml`.
    public var activePolicyFile: String { (paths.policies as NSString).appendingPathComponent("\(activePolicy).toml") }
}
