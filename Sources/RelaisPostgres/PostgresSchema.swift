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
        // v4 is the outbox and tracking (branch pg-roles); this one applies after it.
        Migration(name: "v5: cancelled shipments, cancel intents, manifests, returns", statements: v5),
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
