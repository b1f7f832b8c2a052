import Foundation
import RelaisCore

/// Loads `carriers/<id>/carrier.toml` and its rate CSVs (SPEC §5), reporting every problem.
enum CarrierLoader {
    /// Loads one carrier folder; nil when an error was logged.
    static func load(directory: URL, displayPath: String, log: DiagnosticLog) -> LoadedCarrier? {
        let file = displayPath + "/carrier.toml"
        guard let text = FileText.read(directory.appendingPathComponent("carrier.toml"), file: file, log: log) else {
            return nil
        }
        guard let document = TOMLDocument.parse(text: text, file: file, log: log) else { return nil }
        let errorsBefore = log.diagnostics.count
        let root = TableReader(root: document, log: log)

        let folderName = directory.lastPathComponent
        let id = root.string("id", required: true)
        if let id, id != folderName {
            root.error("id", "id '\(id)' must match the carrier's folder name '\(folderName)'")
        }
        if let id, !Identifier.isValid(id) {
            root.error("id", "id '\(id)' must be lower-case letters, digits, '-' or '_'")
        }
        let name = root.string("name", required: true)
        let currency = root.string("currency") ?? "EUR"
        if !Identifier.isCurrency(currency) {
            root.error("currency", "currency '\(currency)' must be an ISO 4217 code such as EUR")
        }
        let trackingURL = root.string("tracking_url")
        if let trackingURL {
            let lower = trackingURL.lowercased()
            if !(lower.hasPrefix("https://") || lower.hasPrefix("http://")) || !trackingURL.contains("{{tracking_number}}") {
                root.error(
                    "tracking_url", "tracking_url must be an http(s) URL with {{tracking_number}} where the tracking number goes")
            }
        }
        let zones = loadZones(root.table("zones", required: true))
        let fleet = loadFleet(root.table("fleet", required: true))
        var services: [CarrierService] = []
        var codes: [String: Int?] = [:]
        let serviceTables = root.tables("service", required: true, label: "[[service]]")
        if root.has("service"), serviceTables.isEmpty {
            root.error("service", "a carrier needs at least one [[service]]")
        }
        for table in serviceTables {
            let code = table.entries["code"].flatMap { if case .string(let c) = $0 { c } else { nil } }
            if let code {
                if let first = codes[code] {
                    table.error("code", "service code '\(code)' is declared twice (first at line \(first.map(String.init) ?? "?"))")
                }
                codes[code] = table.line("code")
            }
            if let zones, let service = loadService(table, zones: zones, directory: directory, displayPath: displayPath) {
                services.append(service)
            }
        }
        let api = loadAPI(root.table("api"), directory: directory, displayPath: displayPath)
        root.finish()

        guard log.diagnostics.count == errorsBefore || !log.diagnostics[errorsBefore...].contains(where: { $0.severity == .error }),
            let id, let name, let zones, let fleet
        else { return nil }
        let carrier = Carrier(id: id, name: name, currency: currency, zones: zones, fleet: fleet, services: services)
        return LoadedCarrier(carrier: carrier, api: api, directory: directory.path, trackingURL: trackingURL)
    }

    private static func loadZones(_ table: TableReader?) -> ZoneMap? {
        guard let table else { return nil }
        var zones: [(name: String, patterns: [ZonePattern])] = []
        var seen: [ZonePattern: String] = [:]
        var failed = false
        for name in table.allKeys() {
            let keyPath = table.keyPath(name)
            guard let texts = table.strings(name, allowSingle: true) else {
                failed = true
                continue
            }
            var patterns: [ZonePattern] = []
            for text in texts {
                guard let pattern = ZonePattern(text) else {
                    table.log.error(
                        table.file, line: table.document.lines.line(for: keyPath),
                        "zone \(name): '\(text)' is not a destination pattern (\"FR\" or \"FR-20*\")")
                    failed = true
                    continue
                }
                if let other = seen[pattern] {
                    table.error(name, "pattern '\(text)' is in zone \(other) and zone \(name)")
                    failed = true
                }
                seen[pattern] = name
                patterns.append(pattern)
            }
            if texts.isEmpty {
                table.error(name, "zone \(name) has no pattern")
                failed = true
            }
            zones.append((name, patterns))
        }
        if zones.isEmpty {
            table.error(nil, "[zones] declares no zone")
            failed = true
        }
        return failed ? nil : ZoneMap(zones)
    }

    private static func loadFleet(_ table: TableReader?) -> Fleet? {
        guard let table else { return nil }
        let linehaul = table.number("linehaul_g_per_tkm", required: true, range: 0...10_000, rangeText: "0…10000 g per tonne-km")
        let hub = table.number("hub_g_per_parcel", required: true, range: 0...100_000, rangeText: "0…100000 g")
        let quality = table.integer("data_quality", required: true, range: 1...4)
        var vehicles: [LastMileVehicle] = []
        var failed = false
        let entries = table.tables("last_mile", required: true, label: "a last_mile entry")
        for entry in entries {
            let vehicle = entry.string("vehicle", required: true)
            let share = entry.number("share", required: true)
            if let share, !(0...1).contains(share) {
                entry.error("share", "share \(TableReader.format(share)) is outside 0…1")
                failed = true
            }
            let grams = entry.number("g_per_parcel", required: true, range: 0...100_000, rangeText: "0…100000 g")
            entry.finish()
            guard let vehicle, let share, let grams else {
                failed = true
                continue
            }
            vehicles.append(LastMileVehicle(vehicle: vehicle, share: share, gramsPerParcel: grams))
        }
        if table.has("last_mile"), vehicles.isEmpty, !failed {
            table.error("last_mile", "last_mile lists no vehicle")
            failed = true
        }
        let total = vehicles.reduce(0) { $0 + $1.share }
        if !vehicles.isEmpty, !failed, abs(total - 1) > 1e-6 {
            table.error("last_mile", "last-mile shares sum to \(TableReader.format((total * 1e6).rounded() / 1e6)), not 1")
            failed = true
        }
        table.finish()
        guard !failed, let linehaul, let hub, let quality else { return nil }
        return Fleet(linehaulGramsPerTonneKm: linehaul, hubGramsPerParcel: hub, lastMile: vehicles, dataQuality: quality)
    }

    private static func loadService(_ table: TableReader, zones: ZoneMap, directory: URL, displayPath: String)
        -> CarrierService?
    {
        let log = table.log
        let before = log.diagnostics.count
        let code = table.string("code", required: true)
        if let code, code.isEmpty || code.contains("/") {
            table.error("code", "service code must be non-empty and without '/'")
        }
        let name = table.string("name", required: true)
        var direction = Direction.outbound
        if let text = table.string("direction") {
            if let parsed = Direction(rawValue: text) { direction = parsed } else {
                table.error("direction", "direction '\(text)' is not outbound or return")
            }
        }
        let modeText = table.string("mode", required: true)
        let mode = modeText.flatMap(DeliveryMode.init(rawValue:))
        if let modeText, mode == nil {
            table.error("mode", "mode '\(modeText)' is not one of \(DeliveryMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var origins: [ZonePattern] = []
        for text in table.strings("origins", allowSingle: true) ?? [] {
            if let pattern = ZonePattern(text) { origins.append(pattern) } else {
                table.error("origins", "origin '\(text)' is not a pattern (\"FR\" or \"FR-75*\")")
            }
        }
        let maxWeight = table.number("max_weight_kg", required: true, range: 0.001...10_000, rangeText: "more than 0 kg")
        let maxLength = table.number("max_length_cm", required: true, range: 1...10_000, rangeText: "1…10000 cm")
        let maxGirth = table.number("max_girth_cm", required: true, range: 1...100_000, rangeText: "1…100000 cm")
        let divisor = table.number("volumetric_divisor", required: true, range: 1...1_000_000, rangeText: "1…1000000")
        let cutoff = table.string("cutoff", required: true).flatMap { text -> TimeOfDay? in
            guard let time = TimeOfDay(text) else {
                table.error("cutoff", "cutoff '\(text)' must be a time HH:MM")
                return nil
            }
            return time
        }
        let pickupDays = weekdays(table, "pickup_days")
        let deliveryDays = weekdays(table, "delivery_days")
        let calendarName = table.string("calendar") ?? "FR"
        let calendar = HolidayCalendar(rawValue: calendarName)
        if calendar == nil {
            table.error("calendar", "unknown calendar '\(calendarName)' (known: \(HolidayCalendar.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let fuel = table.number("fuel_surcharge_pct", range: 0...100, rangeText: "0…100 %") ?? 0
        var rates: RateTable?
        if let ratesPath = table.string("rates", required: true) {
            if ratesPath.hasPrefix("/") || ratesPath.split(separator: "/").contains("..") {
                table.error("rates", "rates '\(ratesPath)' must be a path inside the carrier folder")
            } else {
                let file = "\(displayPath)/\(ratesPath)"
                if let text = FileText.read(inside: directory, ratesPath, file: file, log: log, line: table.line("rates")) {
                    rates = RateTableLoader.load(text: text, file: file, zones: zones, log: log)
                }
            }
        }
        let transit = loadTransit(table.table("transit", required: true), zones: zones)
        let defaultKm = loadDefaultKm(table.table("default_km", required: true), zones: zones)
        if let transit, let defaultKm {
            for (index, times) in transit.enumerated() where times != nil && defaultKm[index] == nil {
                table.error(
                    "default_km",
                    "default_km has no distance for zone \(zones.names[index]), which transit serves (needed when coordinates are missing)")
            }
        }
        table.finish()
        guard !log.diagnostics[before...].contains(where: { $0.severity == .error }),
            let code, let name, let mode, let maxWeight, let maxLength, let maxGirth, let divisor, let cutoff,
            let pickupDays, let deliveryDays, let calendar, let rates, let transit, let defaultKm
        else { return nil }
        var service = CarrierService(
            code: code, name: name, mode: mode, origins: origins, maxWeightKg: maxWeight, maxLengthCm: maxLength, maxGirthCm: maxGirth,
            volumetricDivisor: divisor, cutoff: cutoff, pickupDays: pickupDays, deliveryDays: deliveryDays,
            calendar: calendar, rates: rates, fuelSurchargePct: fuel, transit: transit, defaultKm: defaultKm)
        service.direction = direction
        return service
    }

    private static func weekdays(_ table: TableReader, _ key: String) -> WeekdaySet? {
        guard let text = table.string(key, required: true) else { return nil }
        guard let set = WeekdaySet(parsing: text) else {
            table.error(key, "\(key) '\(text)' must be days such as \"mon-fri\" or \"mon,wed,fri\"")
            return nil
        }
        return set
    }

    private static func loadTransit(_ table: TableReader?, zones: ZoneMap) -> [TransitTimes?]? {
        guard let table else { return nil }
        var result = [TransitTimes?](repeating: nil, count: zones.names.count)
        var failed = false
        for zoneName in table.allKeys() {
            guard let zone = zones.id(named: zoneName) else {
                table.error(zoneName, "transit names unknown zone '\(zoneName)' (zones: \(zones.names.joined(separator: ", ")))")
                failed = true
                continue
            }
            guard let times = table.table(zoneName, label: "transit.\(zoneName)") else {
                failed = true
                continue
            }
            let p50 = times.integer("p50", required: true, range: 0...60)
            let p90 = times.integer("p90", range: 0...60)
            let p99 = times.integer("p99", range: 0...60)
            times.finish()
            guard let p50 else {
                failed = true
                continue
            }
            let value = TransitTimes(p50: p50, p90: p90, p99: p99)
            if !(value.p50 <= value.p90 && value.p90 <= value.p99) {
                times.error(nil, "transit for \(zoneName) must satisfy p50 ≤ p90 ≤ p99 (found \(value.p50), \(value.p90), \(value.p99))")
                failed = true
            }
            result[zone.index] = value
        }
        return failed ? nil : result
    }

    private static func loadDefaultKm(_ table: TableReader?, zones: ZoneMap) -> [Double?]? {
        guard let table else { return nil }
        var result = [Double?](repeating: nil, count: zones.names.count)
        var failed = false
        for zoneName in table.allKeys() {
            guard let zone = zones.id(named: zoneName) else {
                table.error(zoneName, "default_km names unknown zone '\(zoneName)' (zones: \(zones.names.joined(separator: ", ")))")
                failed = true
                continue
            }
            guard let km = table.number(zoneName, required: true, range: 0...40_000, rangeText: "0…40000 km") else {
                failed = true
                continue
            }
            result[zone.index] = km
        }
        return failed ? nil : result
    }

}
