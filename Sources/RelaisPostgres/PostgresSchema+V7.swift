extension PostgresSchema {
    /// Counters that writers do not queue on, and tracking entered once per statement.
    ///
    /// - `queue_counts` and `tracking_counts` were one row per state: every transaction that
    ///   changed a shipment's state updated the same few rows and held their locks until its
    ///   COMMIT, so every writer of every node waited for the previous one's fsync. Each
    ///   count is now spread over 16 slots, a connection writing the slot of its backend
    ///   (`pg_backend_pid() % 16`); readers sum the slots. The counts read the same.
    /// - A shipment entered tracking by a row-level trigger: one INSERT statement per booked
    ///   shipment (and one `tracking_counts` trigger with it). The state-change trigger now
    ///   enters every shipment a statement booked, in one INSERT.
    static let v7: [String] = [
        "ALTER TABLE queue_counts ADD COLUMN slot INT NOT NULL DEFAULT 0",
        "ALTER TABLE queue_counts DROP CONSTRAINT queue_counts_pkey",
        "ALTER TABLE queue_counts ADD PRIMARY KEY (state, slot)",
        "ALTER TABLE tracking_counts ADD COLUMN slot INT NOT NULL DEFAULT 0",
        "ALTER TABLE tracking_counts DROP CONSTRAINT tracking_counts_pkey",
        "ALTER TABLE tracking_counts ADD PRIMARY KEY (status, slot)",
        """
        CREATE OR REPLACE FUNCTION queue_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO queue_counts (state, slot, n)
                SELECT state, pg_backend_pid() % 16, COUNT(*) FROM new_rows GROUP BY state ORDER BY state
                ON CONFLICT (state, slot) DO UPDATE SET n = queue_counts.n + EXCLUDED.n;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE OR REPLACE FUNCTION queue_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO queue_counts (state, slot, n)
                SELECT state, pg_backend_pid() % 16, -COUNT(*) FROM old_rows GROUP BY state ORDER BY state
                ON CONFLICT (state, slot) DO UPDATE SET n = queue_counts.n + EXCLUDED.n;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE FUNCTION shipments_state_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO queue_counts (state, slot, n)
                SELECT d.state, pg_backend_pid() % 16, SUM(d.delta) FROM (
                    SELECT o.state, -1 AS delta FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.state <> n.state
                    UNION ALL
                    SELECT n.state, 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.state <> n.state
                ) d GROUP BY d.state HAVING SUM(d.delta) <> 0 ORDER BY d.state
                ON CONFLICT (state, slot) DO UPDATE SET n = queue_counts.n + EXCLUDED.n;
            -- A shipment enters tracking in the transaction that books it.
            INSERT INTO tracking (shipment_id, carrier, tracking_number, booked_at, next_poll_at)
                SELECT n.id, n.carrier, n.tracking_number, COALESCE(n.booked_at, n.updated_at), COALESCE(n.booked_at, n.updated_at)
                FROM old_rows o JOIN new_rows n ON n.id = o.id
                WHERE n.state = 'booked' AND o.state <> 'booked' AND n.carrier IS NOT NULL AND n.tracking_number IS NOT NULL
                ORDER BY n.id
                ON CONFLICT (shipment_id) DO NOTHING;
            RETURN NULL;
        END
        $$
        """,
        "DROP TRIGGER shipments_count_update ON shipments",
        "DROP TRIGGER shipments_tracking_on_booked ON shipments",
        "DROP FUNCTION queue_counts_update()",
        "DROP FUNCTION tracking_on_booked()",
        """
        CREATE TRIGGER shipments_state_update AFTER UPDATE ON shipments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION shipments_state_changed()
        """,
        """
        CREATE OR REPLACE FUNCTION tracking_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO tracking_counts (status, slot, n)
                SELECT COALESCE(status, 'none'), pg_backend_pid() % 16, COUNT(*) FROM new_rows GROUP BY 1 ORDER BY 1
                ON CONFLICT (status, slot) DO UPDATE SET n = tracking_counts.n + EXCLUDED.n;
            RETURN NULL;
        END
        $$
        """,
        """
        CREATE OR REPLACE FUNCTION tracking_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO tracking_counts (status, slot, n)
                SELECT d.status, pg_backend_pid() % 16, SUM(d.delta) FROM (
                    SELECT COALESCE(o.status, 'none') AS status, -1 AS delta
                    FROM old_rows o JOIN new_rows n ON n.shipment_id = o.shipment_id WHERE o.status IS DISTINCT FROM n.status
                    UNION ALL
                    SELECT COALESCE(n.status, 'none'), 1
                    FROM old_rows o JOIN new_rows n ON n.shipment_id = o.shipment_id WHERE o.status IS DISTINCT FROM n.status
                ) d GROUP BY d.status HAVING SUM(d.delta) <> 0 ORDER BY d.status
                ON CONFLICT (status, slot) DO UPDATE SET n = tracking_counts.n + EXCLUDED.n;
            RETURN NULL;
        END
        $$
        """,
    ]
}
