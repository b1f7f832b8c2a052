import Foundation
import RelaisCore

#if canImport(Glibc)
import Glibc
#endif

/// Loads and validates `relais.toml`.
public enum DaemonConfigLoader {
    public static let defaultPath = "/etc/relais/relais.toml"

    /// - Throws: ``ConfigError`` with every problem found.
    public static func load(file path: String) throws(ConfigError) -> DaemonConfig {
        let log = DiagnosticLog()
        guard let text = FileText.read(URL(fileURLWithPath: path), file: path, log: log) else {
            throw ConfigError(log.diagnostics)
        }
        return try load(text: text, file: path)
    }

    /// - Parameter environment: where `$CREDENTIALS_DIRECTORY` is read, for webhook secrets.
    public static func load(
        text: String, file: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> DaemonConfig {
        let log = DiagnosticLog()
        let config = parse(text: text, file: file, log: log, environment: environment)
        if log.hasErrors || config == nil { throw ConfigError(log.diagnostics) }
        return config!
    }

    static func parse(
        text: String, file: String, log: DiagnosticLog, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> DaemonConfig? {
        guard let document = TOMLDocument.parse(text: text, file: file, log: log) else { return nil }
        var config = DaemonConfig()
        config.file = file
        let base = (file as NSString).deletingLastPathComponent
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") ? path : ((base.isEmpty ? "." : base) as NSString).appendingPathComponent(path)
        }
        let root = TableReader(root: document, log: log)
        if let paths = root.table("paths") {
            for (key, keyPath) in [
                ("state", \DaemonConfig.Paths.state), ("spool", \.spool), ("carriers", \.carriers),
                ("policies", \.policies), ("socket", \.socket),
            ] as [(String, WritableKeyPath<DaemonConfig.Paths, String>)] {
                if let value = paths.string(key) {
                    if value.isEmpty { paths.error(key, "paths.\(key) must not be empty") } else { config.paths[keyPath: keyPath] = resolve(value) }
                }
            }
            paths.finish()
        }
        if let policy = root.table("policy") {
            if let active = policy.string("active") {
                if Identifier.isValid(active) { config.activePolicy = active } else {
                    policy.error("active", "policy.active '\(active)' must be a file name without extension, such as \"default\"")
                }
            }
            policy.finish()
        }
        if let intake = root.table("intake") {
            if let window = intake.string("consolidation_window") {
                if let seconds = Duration.parseSeconds(window) { config.intake.consolidationWindowSeconds = seconds } else {
                    intake.error("consolidation_window", "consolidation_window '\(window)' must be a duration such as \"0s\", \"90s\", \"15m\" or \"2h\"")
                }
            }
            if let bytes = intake.integer("max_file_bytes", range: 1024...(1 << 30)) { config.intake.maxFileBytes = bytes }
            intake.finish()
        }
        if let control = root.table("control") {
            if let group = control.string("operator_group") { config.control.operatorGroup = group }
            control.finish()
        }
        if let booking = root.table("booking") {
            loadBooking(booking, into: &config.booking, resolve: resolve)
            booking.finish()
        }
        if let tracking = root.table("tracking") {
            loadTracking(tracking, into: &config.tracking)
            tracking.finish()
        }
        if let outbox = root.table("outbox") {
            if let spool = outbox.bool("spool") { config.outbox.spool = spool }
            outbox.finish()
        }
        // Secrets are found as carriers' credentials are: systemd's LoadCredential first.
        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 } ?? config.booking.credentialsDirectory
        for (index, table) in root.tables("webhook", label: "[[webhook]]").enumerated() {
            if let webhook = loadWebhook(table, number: index + 1, credentials: credentials) { config.webhooks.append(webhook) }
        }
        if let store = root.table("store") {
            config.store = loadStore(store)
            store.finish()
        }
        var siteLines: [String: Int?] = [:]
        for table in root.tables("site", label: "[[site]]") {
            guard let site = loadSite(table) else { continue }
            if let first = siteLines[site.id] {
                table.error("id", "site '\(site.id)' is declared twice (first at line \(first.map(String.init) ?? "?"))")
            }
            siteLines[site.id] = table.line("id")
            config.sites.append(site)
        }
        root.finish()
        return log.hasErrors ? nil : config
    }

    private static func loadBooking(
        _ table: TableReader, into booking: inout DaemonConfig.Booking, resolve: (String) -> String
    ) {
        if let directory = table.string("credentials") { booking.credentialsDirectory = resolve(directory) }
        if let url = table.string("sandbox_url") {
            if url.hasPrefix("http://") || url.hasPrefix("https://") { booking.sandboxURL = url } else {
                table.error("sandbox_url", "sandbox_url '\(url)' must start with http:// or https://")
            }
        }
        func duration(_ key: String) -> Int? { positiveSeconds(table, key) }
        if let value = duration("min_backoff") { booking.minimumBackoffSeconds = Double(value) }
        if let value = duration("max_backoff") { booking.maximumBackoffSeconds = Double(value) }
        if booking.maximumBackoffSeconds < booking.minimumBackoffSeconds {
            table.error("max_backoff", "max_backoff must not be shorter than min_backoff")
        }
        if let value = duration("max_lifetime") { booking.maximumLifetimeSeconds = value }
        if let value = duration("breaker_open") { booking.breakerOpenSeconds = Double(value) }
        if let value = duration("reconcile_every") { booking.reconcileIntervalSeconds = Double(value) }
        if let value = table.integer("failover_after", range: 1...100) { booking.failoverAfter = value }
        if let value = table.integer("breaker_threshold", range: 1...1000) { booking.breakerThreshold = value }
        if let value = table.integer("claim_batch", range: 1...10_000) { booking.claimBatch = value }
        if let value = table.integer("commit_batch", range: 1...10_000) { booking.commitBatch = value }
    }

    /// A positive duration in seconds (`"30s"`, `"10m"`, `"3d"`), or nil with the error reported.
    private static func positiveSeconds(_ table: TableReader, _ key: String) -> Int? {
        guard let text = table.string(key) else { return nil }
        guard let seconds = Duration.parseSeconds(text), seconds > 0 else {
            table.error(key, "\(key) '\(text)' must be a positive duration such as \"30s\", \"10m\" or \"3d\"")
            return nil
        }
        return seconds
    }

    private static func loadTracking(_ table: TableReader, into tracking: inout DaemonConfig.Tracking) {
        func duration(_ key: String) -> Int? { positiveSeconds(table, key) }
        if let enabled = table.bool("enabled") { tracking.enabled = enabled }
        if let value = duration("every") { tracking.everySeconds = value }
        if let value = duration("out_for_delivery_every") { tracking.outForDeliveryEverySeconds = value }
        if let value = duration("max_age") { tracking.maxAgeSeconds = value }
        if let value = table.integer("batch", range: 1...10_000) { tracking.batch = value }
    }

    private static func loadWebhook(_ table: TableReader, number: Int, credentials: String) -> WebhookSettings? {
        let before = table.log.errorCount
        let url = table.string("url", required: true)
        if let url {
            let lower = url.lowercased()
            if !(lower.hasPrefix("http://") || lower.hasPrefix("https://")) || url.count < 9 {
                table.error("url", "webhook url '\(url)' must be an http:// or https:// URL")
            }
        }
        let name = table.string("secret", required: true)
        var secrets: [WebhookSecret] = []
        if let name {
            if name.isEmpty || name.contains("/") {
                table.error("secret", "secret names a credentials file in $CREDENTIALS_DIRECTORY, without '/'")
            } else {
                let path = (credentials as NSString).appendingPathComponent(name)
                secrets = readSecrets(path: path, table: table)
            }
        }
        var events: Set<OutboxEventType> = []
        for text in table.strings("events") ?? [] {
            if let type = OutboxEventType(rawValue: text) { events.insert(type) } else {
                table.error(
                    "events",
                    "unknown event type '\(text)'; one of \(OutboxEventType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        let includeLabel = table.bool("include_label") ?? false
        let timeout = table.integer("timeout_s", range: 1...300) ?? 15
        let inFlight = table.integer("max_in_flight", range: 1...256) ?? 8
        table.finish()
        guard table.log.errorCount == before, let url, let name else { return nil }
        var webhook = WebhookSettings(number: number, url: url, secretName: name, secrets: secrets)
        webhook.events = events
        webhook.includeLabel = includeLabel
        webhook.timeoutSeconds = timeout
        webhook.maxInFlight = inFlight
        return webhook
    }

    /// One `whsec_…` secret a line; blank lines and `#` comments skipped. A file that does
    /// not exist is an error; one this user may not read (relaisctl, not root, under
    /// systemd's `LoadCredential`) a warning, and relaisd refuses to start without secrets.
    /// - Important: Messages name the file and the line, never a secret.
    private static func readSecrets(path: String, table: TableReader) -> [WebhookSecret] {
        let errorsBefore = table.log.errorCount
        var info = stat()
        if stat(path, &info) != 0, errno == ENOENT || errno == ENOTDIR {
            table.error("secret", "webhook secret file \(path) does not exist")
            return []
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            table.warning("secret", "webhook secret file \(path) cannot be read by this user")
            return []
        }
        var secrets: [WebhookSecret] = []
        for (index, line) in String(decoding: data, as: UTF8.self).textLines().enumerated() {
            let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if text.isEmpty || text.hasPrefix("#") { continue }
            guard let secret = WebhookSecret(text) else {
                table.error(
                    "secret", "\(path):\(index + 1): not a webhook secret: one 'whsec_' followed by the key in base64 a line")
                continue
            }
            secrets.append(secret)
        }
        if secrets.isEmpty, table.log.errorCount == errorsBefore {
            table.error("secret", "webhook secret file \(path) holds no whsec_ secret")
        }
        return secrets
    }

    /// `[store]`: the URL checked for what the daemon needs (a user, a host or socket, a
    /// database, no password), the lease long enough to renew (a third of it) in time.
    private static func loadStore(_ table: TableReader) -> DaemonConfig.Store? {
        guard let url = table.string("url", required: true) else { return nil }
        var store = DaemonConfig.Store(url: url)
        if let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql" {
            if components.password != nil {
                table.error("url", "store url must not hold a password: put it in the file named by credentials")
            }
            if (components.user ?? "").isEmpty { table.error("url", "store url '\(url)' names no user (postgres://USER@host/database)") }
            if components.path.count <= 1 { table.error("url", "store url '\(url)' names no database (postgres://user@host/DATABASE)") }
        } else {
            table.error("url", "store url '\(url)' must be a postgres:// URL such as \"postgres://relais@db.example:5432/relais\"")
        }
        if let name = table.string("credentials") {
            if !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") {
                store.credentials = name
            } else {
                table.error("credentials", "credentials '\(name)' must be a file name in the credentials directory, such as \"postgres\"")
            }
        }
        if let node = table.string("node") {
            if node.isEmpty || node.count > 64 || node.contains(where: { $0.isWhitespace }) {
                table.error("node", "node '\(node)' must be a name of 1 to 64 characters without spaces")
            } else {
                store.node = node
            }
        }
        if let lease = table.string("lease") {
            if let seconds = Duration.parseSeconds(lease), seconds >= 3 { store.leaseSeconds = seconds } else {
                table.error("lease", "lease '\(lease)' must be a duration of at least 3s, such as \"60s\"")
            }
        }
        return store
    }

    private static func loadSite(_ table: TableReader) -> Site? {
        let before = table.log.diagnostics.count
        let id = table.string("id", required: true)
        if let id, !Identifier.isValid(id) { table.error("id", "site id '\(id)' must be lower-case letters, digits, '-' or '_'") }
        let name = table.string("name") ?? id ?? ""
        let street = table.strings("street", allowSingle: true) ?? []
        let postcode = table.string("postcode") ?? ""
        let city = table.string("city") ?? ""
        let country = table.string("country", required: true)
        if let country, !(country.utf8.count == 2 && country.utf8.allSatisfy { $0 >= 65 && $0 <= 90 }) {
            table.error("country", "country '\(country)' must be an ISO 3166 code such as FR")
        }
        let lat = table.number("lat", range: -90...90, rangeText: "-90…90")
        let lon = table.number("lon", range: -180...180, rangeText: "-180…180")
        if (table.has("lat")) != (table.has("lon")) { table.error(nil, "a site needs both lat and lon, or neither") }
        let zoneName = table.string("timezone") ?? "Europe/Paris"
        let timeZone = TimeZone(identifier: zoneName)
        if timeZone == nil { table.error("timezone", "unknown time zone '\(zoneName)' (an IANA name such as Europe/Paris)") }
        var cutoff: TimeOfDay?
        if let text = table.string("cutoff") {
            cutoff = TimeOfDay(text)
            if cutoff == nil { table.error("cutoff", "cutoff '\(text)' is not a time HH:MM (site-local, 24-hour clock)") }
        }
        table.finish()
        guard !table.log.diagnostics[before...].contains(where: { $0.severity == .error }),
            let id, let country, let timeZone
        else { return nil }
        let coordinate = lat.flatMap { lat in lon.map { Coordinate(lat: lat, lon: $0) } }
        return Site(
            id: id, name: name, street: street, postcode: postcode, city: city, country: country,
            coordinate: coordinate, timeZone: timeZone, cutoff: cutoff)
    }
}

/// Durations as written in relais.toml: `"0s"`, `"90s"`, `"15m"`, `"2h"`, `"1h30m"`.
enum Duration {
    static func parseSeconds(_ text: String) -> Int? {
        var total = 0
        var number: Int?
        var sawUnit = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                number = (number ?? 0) * 10 + digit
                guard number! < 10_000_000 else { return nil }
            } else {
                guard let value = number else { return nil }
                switch character {
                case "s": total += value
                case "m": total += value * 60
                case "h": total += value * 3600
                case "d": total += value * 86_400
                default: return nil
                }
                number = nil
                sawUnit = true
            }
        }
        return number == nil && sawUnit ? total : nil
    }
}
