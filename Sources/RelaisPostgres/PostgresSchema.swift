/// The PostgreSQL schema, as migrations recorded in `schema_migrations`.
///
/// The tables and columns are SQLite's (RelaisRecords, Schema v1–v4) in one step, with
/// PostgreSQL's types: times are BIGINT milliseconds since the Unix epoch, money BIGINT
/// minor units, flags BOOLEAN. Shipment ids come from a SEQUENCE; queue counts are kept by
/// statement-level triggers; the event log refuses UPDATE and DELETE.
///
/// - Important: A migration is never edited once shipped: databases in the field have run
///   it. Change the schema by appending a migration. Each migration is a list of single
///   statements (PostgresNIO's extended protocol runs one statement per query).
enum PostgresSchema {
    struct Migration: Sendable {
        var name: String
        var statements: [String]
    }

    static let migrations: [Migration] = [
        Migration(name: "v1: orders, shipments, decisions, attempts, events, claims, counts", statements: v1),
        Migration(name: "v2: write tokens", statements: v2),
        Migration(name: "v3: origins and requested services", statements: v3),
        Migration(name: "v4: the outbox and tracking", statements: v4),
        Migration(name: "v5: cancelled shipments, cancel intents, manifests, returns", statements: v5),
        Migration(name: "v6: allocation counts per site, quarter-hour and carrier", statements: v6),
        Migration(name: "v7: counts spread over slots, tracking entered per statement", statements: v7),
        Migration(name: "v8: due outbox deliveries indexed in the order they are taken", statements: v8),
    ]

    /// What allocation limits count (SPEC §6), kept as shipments change, as SQLite's v9: the
    /// shipments given to each carrier per site and quarter hour of `created_at`, failed and
    /// held ones left out. A cart's options and each aggregation pass read a site's day
    /// from it instead of counting the day's shipments. Statement-level triggers, as
    /// `queue_counts`; rows changed in key order, so that nodes never lock them crosswise.
    static let v6: [String] = [
        """
        CREATE TABLE allocation_counts (
            site TEXT NOT NULL,
            bucket BIGINT NOT NULL,
            carrier TEXT NOT NULL,
            n BIGINT NOT NULL,
            PRIMARY KEY (site, bucket, carrier)
        )
        """,
        """
        INSERT INTO allocation_counts (site, bucket, carrier, n)
            SELECT site, created_at / 900000, carrier, COUNT(*) FROM shipments
            WHERE carrier IS NOT NULL AND state NOT IN ('failed', 'held')
            GROUP BY site, created_at / 900000, carrier
        """,
        """
        CREATE FUNCTION allocation_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                INSERT INTO allocation_counts (site, bucket, carrier, n)
                    SELECT site, created_at / 900000, carrier, COUNT(*) FROM new_rows
                    WHERE carrier IS NOT NULL AND state NOT IN ('failed', 'held')
                    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                    ON CONFLICT (site, bucket, carrier) DO UPDATE SET n = allocation_counts.n + EXCLUDED.n;
            ELSIF TG_OP = 'DELETE' THEN
                UPDATE allocation_counts a SET n = a.n - d.n FROM (
                    SELECT site, created_at / 900000 AS bucket, carrier, COUNT(*) AS n FROM old_rows
                    WHERE carrier IS NOT NULL AND state NOT IN ('failed', 'held')
                    GROUP BY 1, 2, 3
                ) d WHERE a.site = d.site AND a.bucket = d.bucket AND a.carrier = d.carrier;
            ELSE
                INSERT INTO allocation_counts (site, bucket, carrier, n)
                    SELECT site, bucket, carrier, SUM(delta) FROM (
                        SELECT o.site, o.created_at / 900000 AS bucket, o.carrier, -1 AS delta
                        FROM old_rows o JOIN new_rows n ON n.id = o.id
                        WHERE o.carrier IS NOT NULL AND o.state NOT IN ('failed', 'held')
                        UNION ALL
                        SELECT n.site, n.created_at / 900000, n.carrier, 1
                        FROM old_rows o JOIN new_rows n ON n.id = o.id
                        WHERE n.carrier IS NOT NULL AND n.state NOT IN ('failed', 'held')
                    ) d GROUP BY 1, 2, 3 HAVING SUM(delta) <> 0 ORDER BY 1, 2, 3
                    ON CONFLICT (site, bucket, carrier) DO UPDATE SET n = allocation_counts.n + EXCLUDED.n;
            END IF;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER shipments_allocation_insert AFTER INSERT ON shipments REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION allocation_counts_change()
        """,
        """
        CREATE TRIGGER shipments_allocation_update AFTER UPDATE ON shipments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION allocation_counts_change()
        """,
        """
        CREATE TRIGGER shipments_allocation_delete AFTER DELETE ON shipments REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION allocation_counts_change()
        """,
    ]

    /// The transactional outbox (SPEC §12) and tracking (SPEC §13), as SQLite's v6 and v7,
    /// for several nodes: a delivery and a tracked shipment carry the node that took them
    /// (`claimed_by`); the lease is the due time moved ahead (`next_attempt_at`,
    /// `next_poll_at`), so a node that dies mid-attempt leaves them due again when it runs out.
    ///
    /// Events are frozen once written (a trigger refuses UPDATE); `seq` orders them, `id` is
    /// the public `evt_…` name. A shipment enters tracking when it becomes `booked`, by a
    /// trigger in the transaction that books it; shipments booked before this migration
    /// are entered by it. Tracked shipments per status are counted by statement-level
    /// triggers, as `queue_counts`.
    static let v4: [String] = [
        """
        CREATE TABLE outbox_endpoints (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            -- 'spool', or the webhook's URL: the identity that survives a reordered relais.toml
            target TEXT NOT NULL UNIQUE,
            -- in relais.toml now: only active endpoints get new events
            active BOOLEAN NOT NULL DEFAULT TRUE,
            -- the event types it wants, comma-separated; '' for all
            events TEXT NOT NULL DEFAULT '',
            disabled_at BIGINT,
            disabled_reason TEXT
        )
        """,
        "CREATE TABLE outbox_tracking_urls (carrier TEXT PRIMARY KEY, template TEXT NOT NULL)",
        """
        CREATE TABLE outbox_events (
            seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            at BIGINT NOT NULL,
            shipment_id TEXT,
            -- the label file, for endpoints that want it inline (include_label)
            label_path TEXT,
            body BYTEA NOT NULL
        )
        """,
        "CREATE INDEX outbox_events_shipment ON outbox_events (shipment_id) WHERE shipment_id IS NOT NULL",
        """
        CREATE FUNCTION outbox_events_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'outbox events are frozen once written';
        END
        $$
        """,
        "CREATE TRIGGER outbox_events_no_update BEFORE UPDATE ON outbox_events FOR EACH ROW EXECUTE FUNCTION outbox_events_frozen()",
        """
        CREATE TABLE outbox_deliveries (
            endpoint_id BIGINT NOT NULL REFERENCES outbox_endpoints (id),
            event_seq BIGINT NOT NULL REFERENCES outbox_events (seq),
            -- copied from the event: a shipment's events are delivered in order per endpoint
            shipment_id TEXT,
            state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_at BIGINT,
            last_attempt_at BIGINT,
            delivered_at BIGINT,
            last_error TEXT,
            -- the node whose attempt is (or was last) under way
            claimed_by TEXT,
            PRIMARY KEY (endpoint_id, event_seq)
        )
        """,
        "CREATE INDEX outbox_deliveries_due ON outbox_deliveries (endpoint_id, next_attempt_at) WHERE state = 'pending'",
        "CREATE INDEX outbox_deliveries_shipment ON outbox_deliveries (endpoint_id, shipment_id, event_seq) WHERE state = 'pending'",
        "CREATE INDEX outbox_deliveries_dead ON outbox_deliveries (endpoint_id, event_seq) WHERE state = 'dead'",
        "CREATE INDEX outbox_deliveries_event ON outbox_deliveries (event_seq)",
        """
        CREATE TABLE tracking (
            shipment_id TEXT PRIMARY KEY REFERENCES shipments (id),
            carrier TEXT NOT NULL,
            tracking_number TEXT NOT NULL,
            booked_at BIGINT NOT NULL,
            -- NULL before the first event
            status TEXT,
            -- the carrier's time of the event the status came from
            status_at BIGINT,
            -- the latest event time that decided the status (TrackingProgress.at)
            progress_at BIGINT NOT NULL DEFAULT 0,
            delivered_at BIGINT,
            -- NULL: no more polls (terminal status, max_age)
            next_poll_at BIGINT,
            last_polled_at BIGINT,
            polls BIGINT NOT NULL DEFAULT 0,
            last_error TEXT,
            -- the node whose poll is (or was last) under way
            claimed_by TEXT
        )
        """,
        "CREATE INDEX tracking_due ON tracking (carrier, next_poll_at) WHERE next_poll_at IS NOT NULL",
        """
        CREATE TABLE tracking_events (
            shipment_id TEXT NOT NULL REFERENCES shipments (id),
            code TEXT NOT NULL,
            at BIGINT NOT NULL,
            status TEXT NOT NULL,
            label TEXT,
            location TEXT,
            recorded_at BIGINT NOT NULL,
            PRIMARY KEY (shipment_id, code, at)
        )
        """,
        // Tracked shipments per status ('none' before the first event); events with a code no
        // mapping knows, per carrier: what an operator should map.
        "CREATE TABLE tracking_counts (status TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        "CREATE TABLE tracking_unmapped (carrier TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        """
        CREATE FUNCTION tracking_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change RECORD;
        BEGIN
            FOR change IN SELECT COALESCE(status, 'none') AS status, COUNT(*) AS n FROM new_rows GROUP BY 1 ORDER BY 1 LOOP
                INSERT INTO tracking_counts (status, n) VALUES (change.status, change.n)
                    ON CONFLICT (status) DO UPDATE SET n = tracking_counts.n + excluded.n;
            END LOOP;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE FUNCTION tracking_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change RECORD;
        BEGIN
            FOR change IN
                SELECT d.status, SUM(d.delta) AS delta FROM (
                    SELECT COALESCE(o.status, 'none') AS status, -1 AS delta
                    FROM old_rows o JOIN new_rows n ON n.shipment_id = o.shipment_id WHERE o.status IS DISTINCT FROM n.status
                    UNION ALL
                    SELECT COALESCE(n.status, 'none'), 1
                    FROM old_rows o JOIN new_rows n ON n.shipment_id = o.shipment_id WHERE o.status IS DISTINCT FROM n.status
                ) d GROUP BY d.status HAVING SUM(d.delta) <> 0 ORDER BY d.status
            LOOP
                INSERT INTO tracking_counts (status, n) VALUES (change.status, change.delta)
                    ON CONFLICT (status) DO UPDATE SET n = tracking_counts.n + excluded.n;
            END LOOP;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER tracking_count_insert AFTER INSERT ON tracking REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION tracking_counts_insert()
        """,
        """
        CREATE TRIGGER tracking_count_update AFTER UPDATE ON tracking REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION tracking_counts_update()
        """,
        """
        CREATE FUNCTION tracking_on_booked() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO tracking (shipment_id, carrier, tracking_number, booked_at, next_poll_at)
            VALUES (NEW.id, NEW.carrier, NEW.tracking_number, COALESCE(NEW.booked_at, NEW.updated_at),
                COALESCE(NEW.booked_at, NEW.updated_at))
            ON CONFLICT (shipment_id) DO NOTHING;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER shipments_tracking_on_booked AFTER UPDATE OF state ON shipments FOR EACH ROW
            WHEN (NEW.state = 'booked' AND OLD.state <> 'booked' AND NEW.carrier IS NOT NULL AND NEW.tracking_number IS NOT NULL)
            EXECUTE FUNCTION tracking_on_booked()
        """,
        """
        INSERT INTO tracking (shipment_id, carrier, tracking_number, booked_at, next_poll_at)
        SELECT id, carrier, tracking_number, COALESCE(booked_at, updated_at), COALESCE(booked_at, updated_at)
        FROM shipments WHERE state = 'booked' AND carrier IS NOT NULL AND tracking_number IS NOT NULL
        """,
    ]

    /// Cancels, manifests and returns (SPEC §14), as SQLite's v8: the `cancelled` state,
    /// `cancel_requests` (the intent written before the carrier call: `calling` during the
    /// first call, `pending` once its outcome was lost, asked again), `manifests` (`closing`
    /// with its shipments before the carrier call, `closed` after) and `returns` (the `R-…`
    /// shipment's order-shaped body, booking's to read).
    ///
    /// Beyond SQLite, for several nodes: a `closing` manifest is held by the node finishing
    /// it (`closing_by`, `lease_until`), so two nodes' manifest passes never finish one at
    /// once; return shipment ids come from `return_seq`, never drawn twice.
    static let v5: [String] = [
        "ALTER TABLE shipments DROP CONSTRAINT shipments_state_check",
        """
        ALTER TABLE shipments ADD CONSTRAINT shipments_state_check
            CHECK (state IN ('queued','booking','booked','deferred','held','uncertain','failed','cancelled'))
        """,
        "INSERT INTO queue_counts (state, n) VALUES ('cancelled', 0)",
        """
        CREATE TABLE cancel_requests (
            shipment_id TEXT PRIMARY KEY REFERENCES shipments (id),
            carrier TEXT NOT NULL,
            tracking_number TEXT NOT NULL,
            requested_at BIGINT NOT NULL,
            actor TEXT NOT NULL,
            uid BIGINT,
            state TEXT NOT NULL CHECK (state IN ('calling', 'pending')),
            attempts BIGINT NOT NULL DEFAULT 0,
            next_attempt_at BIGINT NOT NULL,
            last_error TEXT
        )
        """,
        "CREATE INDEX cancel_requests_due ON cancel_requests (next_attempt_at)",
        """
        CREATE TABLE manifests (
            id TEXT PRIMARY KEY,
            carrier TEXT NOT NULL,
            site TEXT NOT NULL,
            pickup_date TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('closing', 'closed')),
            started_at BIGINT NOT NULL,
            closed_at BIGINT,
            shipments BIGINT NOT NULL DEFAULT 0,
            csv_path TEXT,
            document_path TEXT,
            carrier_reference TEXT,
            last_error TEXT,
            closing_by TEXT,
            lease_until BIGINT,
            UNIQUE (carrier, site, pickup_date)
        )
        """,
        "CREATE INDEX manifests_date ON manifests (pickup_date)",
        "CREATE INDEX manifests_closing ON manifests (carrier, site) WHERE state = 'closing'",
        "ALTER TABLE shipments ADD COLUMN manifest_id TEXT REFERENCES manifests (id)",
        "CREATE INDEX shipments_manifest ON shipments (manifest_id) WHERE manifest_id IS NOT NULL",
        "CREATE INDEX shipments_unmanifested ON shipments (carrier, site) WHERE state = 'booked' AND manifest_id IS NULL",
        """
        ALTER TABLE shipments ADD COLUMN direction TEXT NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound', 'return'))
        """,
        "CREATE SEQUENCE return_seq",
        """
        CREATE TABLE returns (
            id TEXT PRIMARY KEY,
            order_id TEXT NOT NULL REFERENCES orders (id),
            shipment_id TEXT NOT NULL UNIQUE REFERENCES shipments (id),
            reason TEXT,
            parcels BIGINT NOT NULL,
            body TEXT NOT NULL,
            created_at BIGINT NOT NULL
        )
        """,
        "CREATE INDEX returns_order ON returns (order_id)",
    ]

    /// Origin choice (SPEC §15), as SQLite's v5: the site each candidate would leave from and
    /// the one chosen; the customer's requested service and what became of it. Older
    /// decisions keep NULL: their only origin is the shipment's site.
    static let v3: [String] = [
        "ALTER TABLE decision_candidates ADD COLUMN origin TEXT",
        "ALTER TABLE decisions ADD COLUMN chosen_origin TEXT",
        "ALTER TABLE decisions ADD COLUMN requested_service TEXT",
        "ALTER TABLE decisions ADD COLUMN requested_honoured BOOLEAN",
        "ALTER TABLE decisions ADD COLUMN requested_reasons TEXT",
        "ALTER TABLE decisions ADD COLUMN requested_origin TEXT",
    ]

    /// Each write transaction records its token first and its result last: a retry after a
    /// COMMIT whose answer was lost finds the token (waiting on its key while the first
    /// attempt is still resolving) and returns the stored result instead of writing twice.
    /// Tokens older than an hour are pruned (``PostgresStore/pruneWriteTokens()``).
    static let v2: [String] = [
        """
        CREATE TABLE write_tokens (
            token TEXT PRIMARY KEY,
            node TEXT NOT NULL,
            written_at TIMESTAMPTZ NOT NULL DEFAULT now(),
            result TEXT
        )
        """,
        "CREATE INDEX write_tokens_written_at ON write_tokens (written_at)",
    ]

    static let v1: [String] = [
        """
        CREATE TABLE policy_versions (
            sha256 TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            text TEXT NOT NULL,
            first_seen_at BIGINT NOT NULL
        )
        """,
        // Ids are "S-<n>" with n from this sequence: two nodes never draw the same one.
        "CREATE SEQUENCE shipment_seq",
        """
        CREATE TABLE shipments (
            id TEXT PRIMARY KEY,
            seq BIGINT NOT NULL UNIQUE,
            state TEXT NOT NULL CHECK (state IN ('queued','booking','booked','deferred','held','uncertain','failed')),
            site TEXT NOT NULL,
            consolidation_key TEXT NOT NULL,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            next_attempt_at BIGINT,
            attempts BIGINT NOT NULL DEFAULT 0,
            decision_id BIGINT,
            carrier TEXT,
            service TEXT,
            price_minor BIGINT,
            carrier_price_minor BIGINT,
            currency TEXT,
            eta TEXT,
            co2e_g DOUBLE PRECISION,
            late BOOLEAN NOT NULL DEFAULT FALSE,
            tracking_number TEXT,
            label_path TEXT,
            booked_at BIGINT,
            reason TEXT,
            parcels BIGINT,
            weight_kg DOUBLE PRECISION,
            claimed_by TEXT,
            lease_until BIGINT
        )
        """,
        "CREATE INDEX shipments_due ON shipments (state, next_attempt_at)",
        "CREATE INDEX shipments_carrier_due ON shipments (carrier, state, next_attempt_at)",
        "CREATE INDEX shipments_site_day ON shipments (site, created_at)",
        "CREATE INDEX shipments_uncertain ON shipments (next_attempt_at) WHERE state = 'uncertain'",
        "CREATE INDEX shipments_booked ON shipments (booked_at) WHERE booked_at IS NOT NULL",
        "CREATE INDEX shipments_claims ON shipments (claimed_by, lease_until) WHERE state = 'booking'",
        """
        CREATE TABLE orders (
            id TEXT PRIMARY KEY,
            site TEXT NOT NULL,
            content_sha256 TEXT NOT NULL,
            body TEXT NOT NULL,
            ready_at BIGINT NOT NULL,
            consolidation_key TEXT NOT NULL,
            received_at BIGINT NOT NULL,
            source TEXT NOT NULL,
            shipment_id TEXT REFERENCES shipments (id)
        )
        """,
        "CREATE INDEX orders_pending ON orders (ready_at, id) WHERE shipment_id IS NULL",
        "CREATE INDEX orders_shipment ON orders (shipment_id)",
        """
        CREATE TABLE decisions (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            shipment_id TEXT NOT NULL REFERENCES shipments (id),
            decided_at BIGINT NOT NULL,
            policy_sha256 TEXT NOT NULL REFERENCES policy_versions (sha256),
            policy_name TEXT NOT NULL,
            rules_applied TEXT NOT NULL,
            chosen_carrier TEXT,
            chosen_service TEXT,
            late BOOLEAN NOT NULL,
            held BOOLEAN NOT NULL,
            currency TEXT NOT NULL,
            distance_basis TEXT
        )
        """,
        "CREATE INDEX decisions_shipment ON decisions (shipment_id)",
        """
        CREATE TABLE decision_candidates (
            decision_id BIGINT NOT NULL REFERENCES decisions (id),
            position BIGINT NOT NULL,
            carrier TEXT NOT NULL,
            service TEXT NOT NULL,
            service_name TEXT NOT NULL,
            reasons TEXT NOT NULL,
            rank BIGINT,
            price_minor BIGINT,
            lead_days BIGINT,
            eta_p50 TEXT,
            eta_p90 TEXT,
            eta_p99 TEXT,
            co2e_g DOUBLE PRECISION,
            data_quality BIGINT NOT NULL,
            cost_units BIGINT,
            km DOUBLE PRECISION,
            PRIMARY KEY (decision_id, position)
        )
        """,
        """
        CREATE TABLE booking_attempts (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            shipment_id TEXT NOT NULL REFERENCES shipments (id),
            carrier TEXT NOT NULL,
            service TEXT NOT NULL,
            started_at BIGINT NOT NULL,
            finished_at BIGINT,
            outcome TEXT,
            failure_class TEXT,
            detail TEXT,
            http_status BIGINT,
            duration_ms BIGINT,
            tracking_number TEXT
        )
        """,
        "CREATE INDEX booking_attempts_shipment ON booking_attempts (shipment_id)",
        "CREATE INDEX booking_attempts_finished ON booking_attempts (finished_at)",
        "CREATE INDEX booking_attempts_carrier ON booking_attempts (carrier, finished_at)",
        // What happened, when, and who did it: append-only.
        """
        CREATE TABLE events (
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            at BIGINT NOT NULL,
            kind TEXT NOT NULL,
            shipment_id TEXT,
            order_id TEXT,
            carrier TEXT,
            actor TEXT NOT NULL,
            uid BIGINT,
            detail TEXT NOT NULL
        )
        """,
        "CREATE INDEX events_shipment ON events (shipment_id) WHERE shipment_id IS NOT NULL",
        "CREATE INDEX events_order ON events (order_id) WHERE order_id IS NOT NULL",
        "CREATE INDEX events_carrier ON events (kind, at) WHERE carrier IS NOT NULL",
        """
        CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'events are append-only';
        END
        $$
        """,
        "CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_append_only()",
        "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()",
        // Shipments per state, kept by statement-level triggers (one UPDATE per state a
        // statement touched, not one per row) so a status query never scans the queue. The
        // rows are updated in state order, so that two statements lock them in one order.
        "CREATE TABLE queue_counts (state TEXT PRIMARY KEY, n BIGINT NOT NULL)",
        """
        INSERT INTO queue_counts (state, n) VALUES
            ('booked', 0), ('booking', 0), ('deferred', 0), ('failed', 0), ('held', 0), ('queued', 0), ('uncertain', 0)
        """,
        """
        CREATE FUNCTION queue_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change RECORD;
        BEGIN
            FOR change IN SELECT state, COUNT(*) AS n FROM new_rows GROUP BY state ORDER BY state LOOP
                UPDATE queue_counts SET n = n + change.n WHERE state = change.state;
            END LOOP;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE FUNCTION queue_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change RECORD;
        BEGIN
            FOR change IN
                SELECT d.state, SUM(d.delta) AS delta FROM (
                    SELECT o.state, -1 AS delta FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.state <> n.state
                    UNION ALL
                    SELECT n.state, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.state <> n.state
                ) d GROUP BY d.state HAVING SUM(d.delta) <> 0 ORDER BY d.state
            LOOP
                UPDATE queue_counts SET n = n + change.delta WHERE state = change.state;
            END LOOP;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE FUNCTION queue_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            change RECORD;
        BEGIN
            FOR change IN SELECT state, COUNT(*) AS n FROM old_rows GROUP BY state ORDER BY state LOOP
                UPDATE queue_counts SET n = n - change.n WHERE state = change.state;
            END LOOP;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE TRIGGER shipments_count_insert AFTER INSERT ON shipments REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_insert()
        """,
        """
        CREATE TRIGGER shipments_count_update AFTER UPDATE ON shipments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_update()
        """,
        """
        CREATE TRIGGER shipments_count_delete AFTER DELETE ON shipments REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION queue_counts_delete()
        """,
    ]
}
