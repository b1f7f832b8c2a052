import Foundation
import GRDB
import RelaisCore
import RelaisStore

/// The database schema, as migrations.
///
/// - Important: A migration is never edited once shipped: databases in the field have run
///   it. Change the schema by adding a migration (GRDB, "Migrations").
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: orders, shipments, decisions, attempts, events") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2: carrier prices, attempt details, reconciliation times") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3: emissions inputs, breaker openings, booking times") { db in
            try db.execute(sql: v3)
        }
        migrator.registerMigration("v4: claims with a node and a lease, id sequences") { db in
            try db.execute(sql: v4)
        }
        migrator.registerMigration("v5: origins and requested services") { db in
            try db.execute(sql: v5)
        }
        migrator.registerMigration("v6: the outbox: events for the shop and their deliveries per endpoint") { db in
            try db.execute(sql: v6)
        }
        migrator.registerMigration("v7: tracking: polls, carrier events, normalised status") { db in
            try db.execute(sql: v7)
        }
        // v7 is the tracking branch's (issue 15).
        migrator.registerMigration("v8: cancelled shipments, cancel intents, manifests, returns") { db in
            try allowState(db, ShipmentState.cancelled.rawValue)
            try db.execute(sql: v8)
        }
        migrator.registerMigration("v9: allocation counts per site, quarter-hour and carrier") { db in
            try db.execute(sql: v9)
        }
        return migrator
    }

    /// Timestamps are milliseconds since the Unix epoch; money is integer minor units.
    static let v1 = """
        CREATE TABLE policy_versions (
            sha256 TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            first_seen_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE shipments (
            id TEXT PRIMARY KEY,
            seq INTEGER NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('queued','booking','booked','deferred','held','uncertain','failed')),
            site TEXT NOT NULL,
            consolidation_key TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            -- when a queued or deferred shipment may be claimed
            next_attempt_at INTEGER,
            attempts INTEGER NOT NULL DEFAULT 0,
            decision_id INTEGER,
            carrier TEXT,
            service TEXT,
            price_minor INTEGER,
            currency TEXT,
            eta TEXT,
            co2e_g REAL,
            late INTEGER NOT NULL DEFAULT 0,
            tracking_number TEXT,
            label_path TEXT,
            booked_at INTEGER,
            reason TEXT
        ) STRICT;
        CREATE INDEX shipments_due ON shipments(state, next_attempt_at);
        CREATE INDEX shipments_carrier ON shipments(carrier, state);
        CREATE INDEX shipments_site_day ON shipments(site, created_at);

        CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            content_sha256 TEXT NOT NULL,
            body TEXT NOT NULL,
            ready_at INTEGER NOT NULL,
            consolidation_key TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            source TEXT NOT NULL,
            shipment_id TEXT REFERENCES shipments(id)
        ) STRICT;
        CREATE INDEX orders_pending ON orders(ready_at) WHERE shipment_id IS NULL;
        CREATE INDEX orders_shipment ON orders(shipment_id);

        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            shipment_id TEXT NOT NULL REFERENCES shipments(id),
            decided_at INTEGER NOT NULL,
            policy_sha256 TEXT NOT NULL REFERENCES policy_versions(sha256),
            policy_name TEXT NOT NULL,
            rules_applied TEXT NOT NULL,
            chosen_carrier TEXT,
            chosen_service TEXT,
            late INTEGER NOT NULL,
            held INTEGER NOT NULL,
            currency TEXT NOT NULL
        ) STRICT;
        CREATE INDEX decisions_shipment ON decisions(shipment_id);

        CREATE TABLE decision_candidates (
            decision_id INTEGER NOT NULL REFERENCES decisions(id),
            position INTEGER NOT NULL,
            carrier TEXT NOT NULL,
            service TEXT NOT NULL,
            service_name TEXT NOT NULL,
            reasons TEXT NOT NULL,
            rank INTEGER,
            price_minor INTEGER,
            lead_days INTEGER,
            eta_p50 TEXT,
            eta_p90 TEXT,
            eta_p99 TEXT,
            co2e_g REAL,
            data_quality INTEGER NOT NULL,
            cost_units INTEGER,
            PRIMARY KEY (decision_id, position)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE booking_attempts (
            id INTEGER PRIMARY KEY,
            shipment_id TEXT NOT NULL REFERENCES shipments(id),
            carrier TEXT NOT NULL,
            service TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            outcome TEXT,
            failure_class TEXT,
            detail TEXT
        ) STRICT;
        CREATE INDEX booking_attempts_shipment ON booking_attempts(shipment_id);

        -- What happened, when, and who did it: append-only.
        CREATE TABLE events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at INTEGER NOT NULL,
            kind TEXT NOT NULL,
            shipment_id TEXT,
            order_id TEXT,
            actor TEXT NOT NULL,
            uid INTEGER,
            detail TEXT NOT NULL
        ) STRICT;
        CREATE INDEX events_shipment ON events(shipment_id) WHERE shipment_id IS NOT NULL;
        CREATE INDEX events_order ON events(order_id) WHERE order_id IS NOT NULL;
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

        -- Shipments per state, kept by triggers so a status query never scans the queue.
        CREATE TABLE queue_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT;
        INSERT INTO queue_counts (state, n) VALUES
            ('queued', 0), ('booking', 0), ('booked', 0), ('deferred', 0), ('held', 0), ('uncertain', 0), ('failed', 0);
        CREATE TRIGGER shipments_count_insert AFTER INSERT ON shipments BEGIN
            UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
        END;
        CREATE TRIGGER shipments_count_update AFTER UPDATE OF state ON shipments WHEN OLD.state <> NEW.state BEGIN
            UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
            UPDATE queue_counts SET n = n + 1 WHERE state = NEW.state;
        END;
        CREATE TRIGGER shipments_count_delete AFTER DELETE ON shipments BEGIN
            UPDATE queue_counts SET n = n - 1 WHERE state = OLD.state;
        END;
        """

    /// The booking stage's records: what the carrier charged, each attempt's HTTP status,
    /// duration and tracking number, and when an uncertain shipment is next looked up.
    static let v2 = """
        ALTER TABLE shipments ADD COLUMN carrier_price_minor INTEGER;
        ALTER TABLE booking_attempts ADD COLUMN http_status INTEGER;
        ALTER TABLE booking_attempts ADD COLUMN duration_ms INTEGER;
        ALTER TABLE booking_attempts ADD COLUMN tracking_number TEXT;
        CREATE INDEX booking_attempts_finished ON booking_attempts(finished_at);
        CREATE INDEX shipments_carrier_due ON shipments(carrier, state, next_attempt_at);
        CREATE INDEX shipments_uncertain ON shipments(next_attempt_at) WHERE state = 'uncertain';
        """

    /// What the emissions report and the per-shipment GHG figure rest on (SPEC §8): the
    /// distance of every candidate and its basis, the shipment's parcels and actual weight
    /// (filled in for shipments recorded before, from their orders); a carrier column on
    /// the event log for breaker openings; and an index for reports by booking time.
    static let v3 = """
        ALTER TABLE decisions ADD COLUMN distance_basis TEXT;
        ALTER TABLE decision_candidates ADD COLUMN km REAL;
        ALTER TABLE shipments ADD COLUMN parcels INTEGER;
        ALTER TABLE shipments ADD COLUMN weight_kg REAL;
        UPDATE shipments SET
            parcels = (SELECT COUNT(*) FROM orders o, json_each(o.body, '$.parcels') WHERE o.shipment_id = shipments.id),
            weight_kg = (SELECT SUM(json_extract(p.value, '$.weight_kg')) FROM orders o, json_each(o.body, '$.parcels') p
                         WHERE o.shipment_id = shipments.id);
        ALTER TABLE events ADD COLUMN carrier TEXT;
        CREATE INDEX events_carrier ON events(kind, at) WHERE carrier IS NOT NULL;
        CREATE INDEX shipments_booked ON shipments(booked_at) WHERE booked_at IS NOT NULL;
        CREATE INDEX booking_attempts_carrier ON booking_attempts(carrier, finished_at);
        """

    /// Claims stamped with the node that holds them and until when (its lease), so that a
    /// node's recovery leaves another live node's calls alone; and shipment ids drawn from a
    /// sequence, not from `MAX(seq) + 1` (which two writers would read alike). The sequence
    /// starts after the highest id already given.
    static let v4 = """
        ALTER TABLE shipments ADD COLUMN claimed_by TEXT;
        ALTER TABLE shipments ADD COLUMN lease_until INTEGER;
        CREATE TABLE sequences (name TEXT PRIMARY KEY, last INTEGER NOT NULL) STRICT;
        INSERT INTO sequences (name, last) SELECT 'shipment', COALESCE(MAX(seq), 0) FROM shipments;
        CREATE INDEX shipments_claims ON shipments(claimed_by, lease_until) WHERE state = 'booking';
        """

    /// Origin choice (SPEC §15): the site each candidate would leave from and the one
    /// chosen; the customer's requested service and what became of it. Older decisions
    /// keep NULL: their only origin is the shipment's site.
    static let v5 = """
        ALTER TABLE decision_candidates ADD COLUMN origin TEXT;
        ALTER TABLE decisions ADD COLUMN chosen_origin TEXT;
        ALTER TABLE decisions ADD COLUMN requested_service TEXT;
        ALTER TABLE decisions ADD COLUMN requested_honoured INTEGER;
        ALTER TABLE decisions ADD COLUMN requested_reasons TEXT;
        ALTER TABLE decisions ADD COLUMN requested_origin TEXT;
        """

    /// The transactional outbox (SPEC §12): each event the shop hears of, written in the
    /// transaction of the change it announces, with its body frozen as sent; one delivery
    /// row per endpoint (the spool, each webhook) that wants it.
    ///
    /// `seq` orders events (a shipment's events reach an endpoint in this order); `id` is
    /// the public, stable `evt_…` name, the same on every retry and replay.
    static let v6 = """
        CREATE TABLE outbox_endpoints (
            id INTEGER PRIMARY KEY,
            -- 'spool', or the webhook's URL: the identity that survives a reordered relais.toml
            target TEXT NOT NULL UNIQUE,
            -- in relais.toml now: only active endpoints get new events
            active INTEGER NOT NULL DEFAULT 1,
            -- the event types it wants, comma-separated; '' for all
            events TEXT NOT NULL DEFAULT '',
            disabled_at INTEGER,
            disabled_reason TEXT
        ) STRICT;

        -- carrier.toml tracking_url templates in force, read when an event's body is written
        CREATE TABLE outbox_tracking_urls (carrier TEXT PRIMARY KEY, template TEXT NOT NULL) STRICT, WITHOUT ROWID;

        CREATE TABLE outbox_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            at INTEGER NOT NULL,
            shipment_id TEXT,
            -- the label file, for endpoints that want it inline (include_label)
            label_path TEXT,
            body BLOB NOT NULL
        ) STRICT;
        CREATE INDEX outbox_events_shipment ON outbox_events(shipment_id) WHERE shipment_id IS NOT NULL;
        CREATE TRIGGER outbox_events_no_update BEFORE UPDATE ON outbox_events BEGIN
            SELECT RAISE(ABORT, 'outbox events are frozen once written');
        END;

        CREATE TABLE outbox_deliveries (
            endpoint_id INTEGER NOT NULL REFERENCES outbox_endpoints(id),
            event_seq INTEGER NOT NULL REFERENCES outbox_events(seq),
            -- copied from the event: a shipment's events are delivered in order per endpoint
            shipment_id TEXT,
            state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER,
            last_attempt_at INTEGER,
            delivered_at INTEGER,
            last_error TEXT,
            PRIMARY KEY (endpoint_id, event_seq)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX outbox_deliveries_due ON outbox_deliveries(endpoint_id, next_attempt_at) WHERE state = 'pending';
        CREATE INDEX outbox_deliveries_shipment ON outbox_deliveries(endpoint_id, shipment_id, event_seq) WHERE state = 'pending';
        CREATE INDEX outbox_deliveries_dead ON outbox_deliveries(endpoint_id, event_seq) WHERE state = 'dead';
        CREATE INDEX outbox_deliveries_event ON outbox_deliveries(event_seq);
        """

    /// Lets `shipments.state` hold `state`: SQLite cannot alter a CHECK constraint, so the
    /// table is rebuilt (SQLite's "12 steps", https://www.sqlite.org/lang_altertable.html,
    /// section 7) from its own stored definition, with the state added to the check. Columns,
    /// indexes and triggers added by any earlier migration (another branch's v7 included) are
    /// carried over as they are, because they are read from `sqlite_master`, not listed here.
    /// The migration runs with foreign keys off and checks them before committing (GRDB's
    /// deferred checks), so the rows of `orders` and `decisions` keep pointing at their shipments.
    static func allowState(_ db: Database, _ state: String) throws {
        guard let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'shipments'")
        else { throw DatabaseError(message: "migration v8: no shipments table") }
        let check = "'uncertain','failed')"
        guard definition.contains(check), let head = definition.range(of: "CREATE TABLE shipments") else {
            throw DatabaseError(message: "migration v8: the shipments table's state check is not the one v1 wrote")
        }
        var rebuilt = definition.replacingOccurrences(of: check, with: "'uncertain','failed','\(state)')")
        rebuilt.replaceSubrange(head, with: "CREATE TABLE shipments_rebuilt")
        let companions = try String.fetchAll(
            db,
            sql: """
                SELECT sql FROM sqlite_master
                WHERE tbl_name = 'shipments' AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name
                """)
        try db.execute(sql: rebuilt)
        try db.execute(sql: "INSERT INTO shipments_rebuilt SELECT * FROM shipments")
        // Dropping the table drops its indexes and triggers; the implicit DELETE fires none.
        try db.execute(sql: "DROP TABLE shipments")
        try db.execute(sql: "ALTER TABLE shipments_rebuilt RENAME TO shipments")
        for companion in companions { try db.execute(sql: companion) }
        try db.execute(sql: "INSERT INTO queue_counts (state, n) VALUES (?, 0)", arguments: [state])
    }

    /// Cancels, manifests and returns (SPEC §14). `cancel_requests` holds the cancel of a booked
    /// shipment from before its carrier call until the carrier answers: `calling` while the
    /// first call is under way, `pending` once an outcome was lost (asked again). A
    /// manifest is written `closing` before its carrier call and `closed` after, so a close
    /// cut short by a crash is finished at start-up, never made twice.
    static let v8 = """
        CREATE TABLE cancel_requests (
            shipment_id TEXT PRIMARY KEY REFERENCES shipments(id),
            carrier TEXT NOT NULL,
            tracking_number TEXT NOT NULL,
            requested_at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            uid INTEGER,
            state TEXT NOT NULL CHECK (state IN ('calling', 'pending')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT
        ) STRICT;
        CREATE INDEX cancel_requests_due ON cancel_requests(next_attempt_at);

        CREATE TABLE manifests (
            id TEXT PRIMARY KEY,
            carrier TEXT NOT NULL,
            site TEXT NOT NULL,
            -- the site-local pickup date, YYYY-MM-DD
            pickup_date TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('closing', 'closed')),
            started_at INTEGER NOT NULL,
            closed_at INTEGER,
            shipments INTEGER NOT NULL DEFAULT 0,
            csv_path TEXT,
            document_path TEXT,
            carrier_reference TEXT,
            last_error TEXT,
            UNIQUE (carrier, site, pickup_date)
        ) STRICT;
        CREATE INDEX manifests_date ON manifests(pickup_date);

        ALTER TABLE shipments ADD COLUMN manifest_id TEXT REFERENCES manifests(id);
        CREATE INDEX shipments_manifest ON shipments(manifest_id) WHERE manifest_id IS NOT NULL;
        CREATE INDEX shipments_unmanifested ON shipments(carrier, site) WHERE state = 'booked' AND manifest_id IS NULL;

        -- Returns (SPEC §14): a shipment back from the customer to a site, ids R-…, decided
        -- over return services. body is the order-shaped JSON booking reads (the customer's
        -- address, the parcels coming back, the site they go to).
        ALTER TABLE shipments ADD COLUMN direction TEXT NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'return'));
        CREATE TABLE returns (
            id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders(id),
            shipment_id TEXT NOT NULL UNIQUE REFERENCES shipments(id),
            reason TEXT,
            parcels INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX returns_order ON returns(order_id);
        INSERT INTO sequences (name, last) VALUES ('return', 0);
        """

    /// Tracking (SPEC §13): one row per booked shipment (its status, the next poll), the
    /// carrier events recorded, de-duplicated on (code, time) by the primary key. A
    /// shipment enters tracking when it becomes `booked`, by trigger, in the transaction
    /// that books it; shipments booked before this migration are entered by it.
    static let v7 = """
        CREATE TABLE tracking (
            shipment_id TEXT PRIMARY KEY REFERENCES shipments(id),
            carrier TEXT NOT NULL,
            tracking_number TEXT NOT NULL,
            booked_at INTEGER NOT NULL,
            -- NULL before the first event
            status TEXT,
            -- the carrier's time of the event the status came from
            status_at INTEGER,
            -- the latest event time that decided the status (TrackingProgress.at)
            progress_at INTEGER NOT NULL DEFAULT 0,
            delivered_at INTEGER,
            -- NULL: no more polls (terminal status, max_age)
            next_poll_at INTEGER,
            last_polled_at INTEGER,
            polls INTEGER NOT NULL DEFAULT 0,
            last_error TEXT
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX tracking_due ON tracking(carrier, next_poll_at) WHERE next_poll_at IS NOT NULL;

        CREATE TABLE tracking_events (
            shipment_id TEXT NOT NULL REFERENCES shipments(id),
            code TEXT NOT NULL,
            at INTEGER NOT NULL,
            status TEXT NOT NULL,
            label TEXT,
            location TEXT,
            recorded_at INTEGER NOT NULL,
            PRIMARY KEY (shipment_id, code, at)
        ) STRICT, WITHOUT ROWID;

        -- tracked shipments per status ('none' before the first event), kept by triggers
        CREATE TABLE tracking_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT;
        -- events with a code no mapping knows, per carrier: what an operator should map
        CREATE TABLE tracking_unmapped (carrier TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT;
        CREATE TRIGGER tracking_count_insert AFTER INSERT ON tracking BEGIN
            INSERT INTO tracking_counts (status, n) VALUES (COALESCE(NEW.status, 'none'), 1)
                ON CONFLICT (status) DO UPDATE SET n = n + 1;
        END;
        CREATE TRIGGER tracking_count_update AFTER UPDATE OF status ON tracking WHEN OLD.status IS NOT NEW.status BEGIN
            UPDATE tracking_counts SET n = n - 1 WHERE status = COALESCE(OLD.status, 'none');
            INSERT INTO tracking_counts (status, n) VALUES (COALESCE(NEW.status, 'none'), 1)
                ON CONFLICT (status) DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER tracking_on_booked AFTER UPDATE OF state ON shipments
            WHEN NEW.state = 'booked' AND OLD.state <> 'booked' AND NEW.carrier IS NOT NULL AND NEW.tracking_number IS NOT NULL
        BEGIN
            INSERT OR IGNORE INTO tracking (shipment_id, carrier, tracking_number, booked_at, next_poll_at)
            VALUES (NEW.id, NEW.carrier, NEW.tracking_number, COALESCE(NEW.booked_at, NEW.updated_at),
                COALESCE(NEW.booked_at, NEW.updated_at));
        END;

        INSERT INTO tracking (shipment_id, carrier, tracking_number, booked_at, next_poll_at)
        SELECT id, carrier, tracking_number, COALESCE(booked_at, updated_at), COALESCE(booked_at, updated_at)
        FROM shipments WHERE state = 'booked' AND carrier IS NOT NULL AND tracking_number IS NOT NULL;
        """

    /// What allocation limits count (SPEC §6), kept as shipments change: the shipments given
    /// to each carrier, per site and quarter hour of `created_at` (`created_at / 900000`),
    /// failed and held ones left out. Checkout options and each aggregation pass read a
    /// site's day from it: about a hundred rows, where counting the day's shipments read
    /// every one of them (5 ms a cart with 10,000 shipments that day, and growing with it).
    /// Quarter hours: every time zone in use starts its days on one.
    static let v9 = """
        CREATE TABLE allocation_counts (
            site TEXT NOT NULL,
            bucket INTEGER NOT NULL,
            carrier TEXT NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (site, bucket, carrier)
        ) STRICT, WITHOUT ROWID;

        INSERT INTO allocation_counts (site, bucket, carrier, n)
            SELECT site, created_at / 900000, carrier, COUNT(*) FROM shipments
            WHERE carrier IS NOT NULL AND state NOT IN ('failed', 'held')
            GROUP BY site, created_at / 900000, carrier;

        CREATE TRIGGER allocation_count_insert AFTER INSERT ON shipments
            WHEN NEW.carrier IS NOT NULL AND NEW.state NOT IN ('failed', 'held')
        BEGIN
            INSERT INTO allocation_counts (site, bucket, carrier, n) VALUES (NEW.site, NEW.created_at / 900000, NEW.carrier, 1)
                ON CONFLICT (site, bucket, carrier) DO UPDATE SET n = n + 1;
        END;

        CREATE TRIGGER allocation_count_delete AFTER DELETE ON shipments
            WHEN OLD.carrier IS NOT NULL AND OLD.state NOT IN ('failed', 'held')
        BEGIN
            UPDATE allocation_counts SET n = n - 1
                WHERE site = OLD.site AND bucket = OLD.created_at / 900000 AND carrier = OLD.carrier;
        END;

        -- Only when what is counted changes: booking's own transitions (queued, booking,
        -- booked) leave it alone.
        CREATE TRIGGER allocation_count_update AFTER UPDATE OF state, carrier, site, created_at ON shipments
            WHEN (OLD.carrier IS NOT NULL AND OLD.state NOT IN ('failed', 'held'))
                    <> (NEW.carrier IS NOT NULL AND NEW.state NOT IN ('failed', 'held'))
                OR OLD.carrier IS NOT NEW.carrier OR OLD.site <> NEW.site OR OLD.created_at <> NEW.created_at
        BEGIN
            UPDATE allocation_counts SET n = n - 1
                WHERE OLD.carrier IS NOT NULL AND OLD.state NOT IN ('failed', 'held')
                    AND site = OLD.site AND bucket = OLD.created_at / 900000 AND carrier = OLD.carrier;
            INSERT INTO allocation_counts (site, bucket, carrier, n)
                SELECT NEW.site, NEW.created_at / 900000, NEW.carrier, 1
                WHERE NEW.carrier IS NOT NULL AND NEW.state NOT IN ('failed', 'held')
                ON CONFLICT (site, bucket, carrier) DO UPDATE SET n = n + 1;
        END;
        """
}
