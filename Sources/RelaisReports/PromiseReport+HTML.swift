import RelaisCore

/// `relaisctl report promise --html FILE`: measured transit beside the declared one per
/// carrier service and zone, and the shares delivered on time.
extension PromiseReport: HTMLReport {
    /// The shares of `lines`' delivered shipments that came by their `promised_by` and by the
    /// ETA at `confidence`, a pair of bars per line (`report promise`, `report carriers`).
    static func onTimeChart(
        _ lines: [Line], categories: [String], title: String, confidence: Percentile, style: NumberStyle
    ) -> HTMLPage.Block {
        let chart = BarChart(
            title: title, categories: categories,
            series: [
                BarChart.Series("by promised_by", lines.map(\.onTimePromisedShare)),
                BarChart.Series("by the ETA at \(confidence.rawValue)", lines.map(\.onTimeETAShare)),
            ], unit: "share of the delivered shipments", style: style, label: { style.percent($0) })
        return .chart(
            chart.svg,
            caption: "Of the shipments booked in the period and delivered, the share that came by the order's promised_by, and by the ETA at the policy's confidence that the decision announced.")
    }

    public func htmlPage(style: NumberStyle) -> HTMLPage {
        let facts = [
            HTMLPage.Fact("period", period), HTMLPage.Fact("policy", "\(policy), ETA at \(confidence.rawValue)"),
            HTMLPage.Fact("shipments", "\(style.integer(total.booked)) booked, \(style.integer(total.delivered)) delivered"),
            HTMLPage.Fact("on time", total.onTimeETAShare.map { "\(style.percent($0)) by the ETA at \(confidence.rawValue)" } ?? "no delivery"),
        ]
        let columns = Self.columns(confidence: confidence)
        let table = HTMLPage.Table(
            columns: columns.enumerated().map { HTMLPage.Table.Column($0.element.heading, numeric: $0.offset > 2) },
            rows: lines.map { $0.cells(style: style) }, footer: [total.cells(style: style)])
        let measured = lines.filter { $0.delivered > 0 }
        var transit: [HTMLPage.Block] = []
        if measured.isEmpty {
            transit.append(.paragraph(lines.isEmpty ? "No shipment was booked in this period." : "No shipment booked in this period was delivered yet."))
        } else {
            let chart = BarChart(
                title: "Transit in delivery days, measured and declared", categories: measured.map { "\($0.key) \($0.zone ?? "")" },
                series: [Percentile.p50, .p90].flatMap { percentile in
                    [
                        BarChart.Series("measured \(percentile.rawValue)", measured.map { $0.transits[percentile].map(Double.init) }),
                        BarChart.Series("declared \(percentile.rawValue)", measured.map { $0.declared.map { Double($0[percentile]) } }),
                    ]
                }, unit: "delivery days from the pickup date", style: style, label: { style.integer(Int($0)) })
            transit.append(
                .chart(
                    chart.svg,
                    caption: "Per carrier service and zone with deliveries: the measured p50 and p90 beside the transit carrier.toml declares. A measured figure above the declared one means the ETAs promised too early."))
            transit.append(
                Self.onTimeChart(
                    measured, categories: measured.map { "\($0.key) \($0.zone ?? "")" }, title: "Delivered on time",
                    confidence: confidence, style: style))
        }
        transit.append(.table(table))
        transit += notes.map { .paragraph($0) }
        if skipped > 0 {
            transit.append(
                .paragraph(
                    "\(style.integer(skipped)) shipments not measured, such as "
                        + skippedExamples.map { "\($0.shipment) (\($0.reason))" }.joined(separator: ", ") + "."))
        }
        var suggest: [HTMLPage.Block] = []
        let suggestions = suggestions()
        if suggestions.isEmpty {
            suggest.append(
                .paragraph("No zone has \(Self.suggestionMinimum) deliveries yet: carrier.toml's transit stays as declared."))
        } else {
            for suggestion in suggestions {
                suggest.append(.paragraph(suggestion.comment(minimum: Self.suggestionMinimum)))
                suggest.append(.facts([HTMLPage.Fact("\(suggestion.carrier)/\(suggestion.service)", suggestion.line, code: true)]))
            }
        }
        return HTMLPage(
            title: "Promise kept \(period)", facts: facts,
            sections: [
                HTMLPage.Section("Measured transit and shares on time", transit),
                HTMLPage.Section("Transit lines the measurements support", suggest),
            ])
    }
}
