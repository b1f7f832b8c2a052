import RelaisCore

/// `relaisctl simulate --html FILE`: the recorded and the simulated figures side by side, as
/// charts and as the text form's table, and where shipments move.
extension SimulationReport: HTMLReport {
    /// What the text form says under its table.
    public var notes: [String] {
        [
            "prices in \(currency); costs at the new policy's prices on both sides; late = sent knowing the promise would be missed"
        ]
    }

    public func htmlPage(style: NumberStyle) -> HTMLPage {
        var facts = [
            HTMLPage.Fact("period", period),
            HTMLPage.Fact("policy tried", policy.name),
            HTMLPage.Fact("its SHA-256", policy.sha256, code: true),
        ]
        for recorded in recordedPolicies {
            facts.append(HTMLPage.Fact("recorded under", "\(recorded.name), \(style.integer(recorded.shipments)) shipments"))
            facts.append(HTMLPage.Fact("its SHA-256", recorded.sha256, code: true))
        }
        var shipmentsLine = "\(style.integer(shipments)) replayed, \(style.integer(changed)) change service"
        if skipped > 0 { shipmentsLine += ", \(style.integer(skipped)) skipped" }
        facts.append(HTMLPage.Fact("shipments", shipmentsLine))

        var compared: [HTMLPage.Block] = [.charts(sideBySide(style: style))]
        compared.append(
            .table(
                HTMLPage.Table(
                    columns: [.init("figure"), .init("unit"), .init("recorded", numeric: true), .init("simulated", numeric: true),
                        .init("delta", numeric: true)],
                    rows: rows(style: style).map { [$0.metric, unit(of: $0.metric), $0.recorded, $0.simulated, $0.delta] })))
        compared += notes.map { .paragraph($0) }
        if otherCurrency > 0 {
            compared.append(
                .warning("\(style.integer(otherCurrency)) recorded shipments were priced in another currency than \(currency)"))
        }

        var moves: [HTMLPage.Block]
        if changes.isEmpty {
            moves = [.paragraph("No shipment changes service under \(policy.name).")]
        } else {
            let chart = FlowChart(
                title: "Shipments that change service, from the recorded choice to the simulated one",
                flows: changes.map { FlowChart.Flow(from: $0.from, to: $0.to, count: $0.shipments) }, style: style)
            let hidden = changes.count - chart.drawn.count
            var caption = "Each band is a number of shipments moving from the service recorded (left) to the one \(policy.name) chooses (right); held = nothing would carry them."
            if hidden > 0 {
                let rest = changes.map(\.shipments).reduce(0, +) - chart.drawn.map(\.count).reduce(0, +)
                caption += " The \(style.integer(hidden)) smallest moves (\(style.integer(rest)) shipments) are in the table only."
            }
            moves = [
                .chart(chart.svg, caption: caption),
                .table(
                    HTMLPage.Table(
                        columns: [.init("from"), .init("to"), .init("shipments", numeric: true)],
                        rows: changes.map { [$0.from, $0.to, style.integer($0.shipments)] })),
            ]
        }
        var sections = [
            HTMLPage.Section("Before and after", compared),
            HTMLPage.Section("Where shipments move", moves),
        ]
        if skipped > 0 {
            var blocks: [HTMLPage.Block] = [
                .paragraph("\(style.integer(skipped)) shipments could not be replayed; the first \(style.integer(skippedExamples.count)):"),
                .table(
                    HTMLPage.Table(
                        columns: [.init("shipment"), .init("why")], rows: skippedExamples.map { [$0.shipment, $0.reason] })),
            ]
            if skippedExamples.isEmpty { blocks.removeLast() }
            sections.append(HTMLPage.Section("Not replayed", blocks))
        }
        return HTMLPage(title: "What \(policy.name) would have done", facts: facts, sections: sections)
    }

    /// The manager's unit of a compared figure.
    func unit(of metric: String) -> String {
        switch metric {
        case "carried", "held", "late": "shipments"
        case "share late": "share, 0–1"
        case "total price", "mean price": currency
        case "total cost", "mean cost": "\(currency), with days and CO2e priced"
        case "mean lead days": "days"
        case "total CO2e kg": "kg CO2e"
        case "mean CO2e g": "g CO2e"
        default: ""
        }
    }

    /// One small chart per figure a manager weighs: recorded beside simulated.
    func sideBySide(style: NumberStyle) -> [(HTML, caption: String)] {
        let sides = ["recorded", "simulated"]
        func chart(_ title: String, unit: String, _ a: Double?, _ b: Double?, label: @escaping @Sendable (Double) -> String)
            -> (HTML, caption: String)
        {
            let chart = BarChart(
                title: title, categories: sides, series: [BarChart.Series(title, [a, b])], unit: unit, style: style, width: 300,
                label: label)
            return (chart.svg, caption: title)
        }
        let (a, b) = (recorded, simulated)
        return [
            chart(
                "Mean price per shipment", unit: currency, a.meanPrice.map { Double($0.minorUnits) / 100 },
                b.meanPrice.map { Double($0.minorUnits) / 100 }, label: { style.fixed($0, 2) }),
            chart(
                "Mean cost per shipment (price, days and CO2e priced)", unit: currency, a.meanCost.map { Double($0.units) / 10_000 },
                b.meanCost.map { Double($0.units) / 10_000 }, label: { style.fixed($0, 4) }),
            chart("Mean lead time", unit: "days", a.meanLeadDays, b.meanLeadDays, label: { style.fixed($0, 2) }),
            chart("Total CO2e", unit: "kg CO2e", a.co2eGrams / 1000, b.co2eGrams / 1000, label: { style.fixed($0, 3) }),
            chart(
                "Sent knowing they would be late", unit: "% of shipments carried", a.shareLate.map { $0 * 100 },
                b.shareLate.map { $0 * 100 }, label: { style.percent($0 / 100) }),
            chart(
                "Held: nothing would carry them", unit: "shipments", Double(a.held), Double(b.held),
                label: { style.integer(Int($0)) }),
        ]
    }
}
