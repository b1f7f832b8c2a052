import RelaisCore

extension PolicyLoader {
    /// The checks of a policy's values against the panel and the sites.
    struct Validator {
        let panel: CarrierPanel
        /// Carriers that failed to load: references to them are not checked.
        let unverifiable: Set<String>
        let siteIDs: Set<String>?

        func price(_ table: TableReader, _ key: String) -> PriceRate? {
            guard let value = table.number(key) else { return nil }
            guard value >= 0 else {
                table.error(key, "'\(key)' = \(TableReader.format(value)) is a negative price")
                return nil
            }
            return PriceRate(value)
        }

        func percentile(_ table: TableReader, _ key: String) -> Percentile? {
            guard let text = table.string(key) else { return nil }
            guard let value = Percentile(rawValue: text) else {
                table.error(key, "\(key) '\(text)' must be p50, p90 or p99")
                return nil
            }
            return value
        }

        func whenUnmeetable(_ table: TableReader, _ key: String) -> WhenUnmeetable? {
            guard let text = table.string(key) else { return nil }
            guard let value = WhenUnmeetable(rawValue: text) else {
                table.error(key, "\(key) '\(text)' must be fastest or hold")
                return nil
            }
            return value
        }

        func co2eLimit(_ table: TableReader, _ key: String) -> Double? {
            guard let value = table.number(key) else { return nil }
            guard value > 0 else {
                table.error(key, "\(key) must be more than 0 g")
                return nil
            }
            return value
        }

        /// `"carrier"` or `"carrier/service"`, each naming something in the panel.
        func exclusions(_ table: TableReader, _ key: String) -> Set<String> {
            var result = Set<String>()
            for entry in table.strings(key, allowSingle: true) ?? [] {
                let parts = entry.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                if unverifiable.contains(parts[0]) {
                    result.insert(entry)
                    continue
                }
                guard let carrier = panel.carrier(id: parts[0]) else {
                    table.error(key, "exclude names unknown carrier '\(parts[0])' (panel: \(panel.carriers.map(\.id).joined(separator: ", ")))")
                    continue
                }
                if parts.count == 2 {
                    guard carrier.services.contains(where: { $0.code == parts[1] }) else {
                        table.error(
                            key, "exclude names unknown service '\(entry)' (\(carrier.id) has \(carrier.services.map(\.code).joined(separator: ", ")))")
                        continue
                    }
                } else if parts.count > 2 {
                    table.error(key, "exclude entry '\(entry)' must be \"carrier\" or \"carrier/service\"")
                    continue
                }
                result.insert(entry)
            }
            return result
        }

        func rule(_ table: TableReader) -> PolicyRule? {
            let before = table.log.diagnostics.count
            let name = table.string("name", required: true)
            var condition = RuleCondition()
            if let when = table.table("when", label: "the rule's when") {
                condition = self.condition(when)
            } else if !table.has("when") {
                table.warning(nil, "rule \(name.map { "'\($0)'" } ?? "") has no 'when': it applies to every shipment")
            }
            var rule = PolicyRule(name: name ?? "", when: condition)
            if let prices = table.table("prices", label: "the rule's prices") {
                rule.perDay = price(prices, "per_day")
                rule.perKgCO2e = price(prices, "per_kg_co2e")
                prices.finish()
            }
            if let promise = table.table("promise", label: "the rule's promise") {
                rule.confidence = percentile(promise, "confidence")
                rule.whenUnmeetable = whenUnmeetable(promise, "when_unmeetable")
                promise.finish()
            }
            if let constraints = table.table("constraints", label: "the rule's constraints") {
                rule.exclude = exclusions(constraints, "exclude")
                rule.fleet = constraints.strings("fleet").map(Set.init)
                rule.maxCO2eGrams = co2eLimit(constraints, "max_co2e_g")
                constraints.finish()
            }
            table.finish()
            let failed = table.log.diagnostics[before...].contains { $0.severity == .error }
            return failed || name == nil ? nil : rule
        }

        func condition(_ when: TableReader) -> RuleCondition {
            var condition = RuleCondition()
            if let levels = when.strings("service_level", allowSingle: true) {
                condition.serviceLevels = Set(levels.compactMap { enumValue(when, "service_level", $0, ServiceLevel.self) })
            }
            if let modes = when.strings("delivery_mode", allowSingle: true) {
                condition.deliveryModes = Set(modes.compactMap { enumValue(when, "delivery_mode", $0, DeliveryMode.self) })
            }
            if let directions = when.strings("direction", allowSingle: true) {
                condition.directions = Set(directions.compactMap { enumValue(when, "direction", $0, Direction.self) })
            }
            if let patterns = when.strings("destination", allowSingle: true) {
                condition.destinations = patterns.compactMap { text in
                    guard let pattern = ZonePattern(text) else {
                        when.error("destination", "destination '\(text)' is not a pattern (\"FR\" or \"FR-75*\")")
                        return nil
                    }
                    return pattern
                }
            }
            if let sites = when.strings("site", allowSingle: true) {
                if let siteIDs {
                    for site in sites where !siteIDs.contains(site) {
                        when.error("site", "site '\(site)' is not a [[site]] of relais.toml (known: \(siteIDs.sorted().joined(separator: ", ")))")
                    }
                }
                condition.sites = Set(sites)
            }
            if let tags = when.strings("tags", allowSingle: true) { condition.tags = Set(tags) }
            if let bounds = when.table("weight_kg", label: "when.weight_kg") {
                let min = bounds.number("min", range: 0...100_000, rangeText: "0…100000 kg")
                let max = bounds.number("max", range: 0...100_000, rangeText: "0…100000 kg")
                bounds.finish()
                if let min, let max, min > max { bounds.error(nil, "weight_kg: min \(TableReader.format(min)) is above max \(TableReader.format(max))") }
                if min == nil, max == nil { bounds.error(nil, "weight_kg needs min, max or both") }
                condition.weightKg = ClosedBounds(min: min, max: max)
            }
            if let bounds = when.table("value", label: "when.value") {
                let min = bounds.number("min", range: 0...1e9, rangeText: "0 or more").map { Money(minorUnits: Int64(($0 * 100).rounded())) }
                let max = bounds.number("max", range: 0...1e9, rangeText: "0 or more").map { Money(minorUnits: Int64(($0 * 100).rounded())) }
                bounds.finish()
                if let min, let max, min > max { bounds.error(nil, "value: min \(min) is above max \(max)") }
                if min == nil, max == nil { bounds.error(nil, "value needs min, max or both") }
                condition.value = ClosedBounds(min: min, max: max)
            }
            when.finish()
            return condition
        }

        private func enumValue<T: RawRepresentable & CaseIterable>(_ table: TableReader, _ key: String, _ text: String, _: T.Type)
            -> T? where T.RawValue == String
        {
            guard let value = T(rawValue: text) else {
                table.error(key, "\(key) '\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return value
        }

        func allocation(_ table: TableReader) -> Allocation? {
            let before = table.log.diagnostics.count
            let carrier = table.string("carrier", required: true)
            if let carrier, !unverifiable.contains(carrier), panel.carrier(id: carrier) == nil {
                table.error("carrier", "allocation names unknown carrier '\(carrier)' (panel: \(panel.carriers.map(\.id).joined(separator: ", ")))")
            }
            let share = table.number("max_share")
            if let share, !(0...1).contains(share) {
                table.error("max_share", "max_share \(TableReader.format(share)) is outside 0…1")
            }
            let cap = table.integer("daily_cap", range: 0...10_000_000)
            if !table.has("max_share"), !table.has("daily_cap") {
                table.error(nil, "an allocation needs max_share, daily_cap or both")
            }
            table.finish()
            guard !table.log.diagnostics[before...].contains(where: { $0.severity == .error }), let carrier else { return nil }
            return Allocation(carrier: carrier, maxShare: share, dailyCap: cap)
        }
    }
}
