import RelaisCore

/// `relaisctl report carriers --html FILE`: each carrier's share of the days against its
/// allocation, its failures by class and breaker openings, its price as decided and as charged.
extension CarrierReport: HTMLReport {
    public func htmlPage(style: NumberStyle) -> HTMLPage {
        let facts = [
            HTMLPage.Fact("period", period), HTMLPage.Fact("policy", policy),
            HTMLPage.Fact("bookings", style.integer(bookings)),
        ]
        let names = lines.map(\.carrier)
        let active = lines.filter { $0.bookings > 0 }
        // Every calendar day from the first booking day to the last, so a weekend reads as a gap.
        let byDay = Dictionary(days.map { ($0.day, $0) }, uniquingKeysWith: { first, _ in first })
        let calendar = days.first.flatMap { first in
            days.last.map { last in (first.day.dayNumber...last.day.dayNumber).map { CivilDate(dayNumber: $0) } }
        } ?? []
        let dayLabels = calendar.map { EmissionsReport.shortDate($0) }

        var allocation: [HTMLPage.Block] = []
        if days.isEmpty {
            allocation.append(.paragraph("No booking in this period."))
        } else {
            let shares = LineChart(
                title: "Each carrier's share of the day's bookings, with its max_share", xLabels: dayLabels,
                series: active.map { line in
                    LineChart.Series(
                        line.carrier,
                        calendar.map { date in
                            byDay[date].map { Double($0.perCarrier[line.carrier] ?? 0) / Double($0.bookings) }
                        },
                        limit: line.maxShare)
                }, unit: "share of the day's bookings", ceiling: 1, tick: { style.percent($0, places: max(0, $1 - 2)) })
            allocation.append(
                .chart(
                    shares.svg,
                    caption: "Share of each day's bookings, all sites together (no point on a day without bookings); dashed: the policy's max_share. The limit applies per site and day once \(Allocation.shareThreshold) are booked there: the table counts the site-days over it."))
            if active.contains(where: { $0.dailyCap != nil }) {
                let volumes = LineChart(
                    title: "Bookings per day, with each carrier's daily_cap", xLabels: dayLabels,
                    series: active.map { line in
                        LineChart.Series(
                            line.carrier, calendar.map { Double(byDay[$0]?.perCarrier[line.carrier] ?? 0) },
                            limit: line.dailyCap.map(Double.init))
                    }, unit: "shipments booked", tick: { style.fixed($0, $1) })
                allocation.append(
                    .chart(volumes.svg, caption: "Shipments booked each day, all sites together; dashed: the policy's daily_cap (per site)."))
            }
        }
        allocation.append(table([0, 1, 2, 10, 11, 12, 13, 14], style: style))
        allocation.append(.paragraph(Self.notes[1]))

        let classes: [(FailureClass, String)] = [(.transient, "transient"), (.permanent, "permanent"), (.unknownOutcome, "unknown outcome")]
        let failures = BarChart(
            title: "Failed booking attempts by class, and breaker openings", categories: names,
            series: classes.map { failureClass, name in BarChart.Series(name, lines.map { Double($0.failures[failureClass] ?? 0) }) }
                + [BarChart.Series("breaker openings", lines.map { Double($0.breakerOpenings) })],
            unit: "failed attempts; breaker openings", style: style, label: { style.integer(Int($0)) })
        let prices = BarChart(
            title: "Mean price per shipment, as decided and as charged", categories: names,
            series: [
                BarChart.Series("as decided", lines.map { $0.meanPrice.map { Double($0.minorUnits) / 100 } }),
                BarChart.Series("as charged", lines.map { $0.meanCarrierPrice.map { Double($0.minorUnits) / 100 } }),
            ], unit: currency, style: style, label: { style.fixed($0, 2) })
        let quiet = lines.allSatisfy { $0.failures.values.allSatisfy { $0 == 0 } && $0.breakerOpenings == 0 }
        let failureBlocks: [HTMLPage.Block] = [
            quiet
                ? .paragraph("No failed booking attempt and no breaker opening in this period.")
                : .chart(
                    failures.svg,
                    caption: "Transient: retried later; permanent: refused, failed over; unknown outcome: the carrier may have booked it, reconciled before any retry. A breaker opening stops calls to the carrier for a while."),
            table([0, 5, 6, 7, 8, 9], style: style),
            .paragraph(Self.notes[0]),
        ]
        return HTMLPage(
            title: "Carriers \(period)", facts: facts,
            sections: [
                HTMLPage.Section("Shares against allocations", allocation),
                HTMLPage.Section("Failures and circuit breaker", failureBlocks),
                HTMLPage.Section(
                    "Price as decided and as charged",
                    [
                        .chart(
                            prices.svg,
                            caption: "Mean price per booked shipment in \(currency): as the decision priced it from the rate cards, and as the carrier's replies charged it (when they carry a price; no bar when they do not)."),
                        table([0, 1, 3, 4], style: style),
                    ]),
                HTMLPage.Section("Promise kept", promiseBlocks(style: style)),
            ])
    }

    /// Delivered shipments, measured p90 and shares on time, per carrier then per service.
    func promiseBlocks(style: NumberStyle) -> [HTMLPage.Block] {
        var blocks: [HTMLPage.Block] = []
        let delivered = services.filter { $0.delivered > 0 }
        if delivered.isEmpty {
            blocks.append(.paragraph("No shipment booked in this period was delivered yet."))
        } else {
            blocks.append(
                PromiseReport.onTimeChart(
                    delivered, categories: delivered.map { $0.key.description }, title: "Delivered on time, per carrier service",
                    confidence: confidence, style: style))
        }
        blocks.append(table([0] + Array(15..<Self.columns.count), style: style))
        blocks.append(serviceTable(style: style))
        blocks.append(.paragraph(Self.notes[2]))
        return blocks
    }

    /// The promise figures per carrier service.
    func serviceTable(style: NumberStyle) -> HTMLPage.Block {
        let headings = PromiseReport.columns(confidence: confidence)
        return .table(
            HTMLPage.Table(
                columns: Self.serviceColumns.map { HTMLPage.Table.Column(headings[$0].heading, numeric: $0 > 1) },
                rows: serviceRows(style: style)))
    }

    /// Some of the text form's columns, one row per carrier: a page is narrower than a terminal.
    func table(_ columns: [Int], style: NumberStyle) -> HTMLPage.Block {
        let cells = lines.map { $0.cells(style: style) }
        return .table(
            HTMLPage.Table(
                columns: columns.map { HTMLPage.Table.Column(Self.columns[$0].heading, numeric: $0 > 0) },
                rows: cells.map { row in columns.map { row[$0] } }))
    }
}
