import RelaisCore

/// `relaisctl report emissions --html FILE`: the CO2e per carrier and service, per month and
/// day by day, tonne-km, data quality, the method, and what the French GHG information asks.
extension EmissionsReport: HTMLReport {
    /// What the text form says under its table.
    public var notes: [String] {
        [
            "method: \(method)",
            "data quality: 1 default values … 4 measured (décret 2017-639); per shipment: relaisctl show ID",
        ]
    }

    /// What the French GHG information of transport services requires, and where Relais gives it.
    public static let frenchRequirements = [
        "Code des transports, article L1431-3: whoever sells a transport service gives the beneficiary the quantity of greenhouse gases the service emitted, in CO2 equivalent.",
        "Décret 2017-639 (articles D1431-1 and following): the figure covers every greenhouse gas (CO2e), well-to-wheel (fuel production and use), per service; it states the level of the data it rests on, from 1 (default values) to 4 (the carrier's measured values), and the method.",
        "Relais gives it per shipment in relaisctl show ID and in GET /v1/shipments/{id} as ghg (co2e_kg, data_quality, method); this report adds the month's shipments up per carrier and service.",
    ]

    public func htmlPage(style: NumberStyle) -> HTMLPage {
        let facts = [
            HTMLPage.Fact("period", period),
            HTMLPage.Fact("shipments", "\(style.integer(total.shipments)) booked, \(style.integer(total.parcels)) parcels"),
            HTMLPage.Fact("CO2e", "\(style.fixed(total.co2eGrams / 1000, 3)) kg, well-to-wheel"),
            HTMLPage.Fact("tonne-km", style.fixed(total.tonneKm, 3)),
            HTMLPage.Fact("data quality", total.dataQuality == nil ? "no shipments" : "level \(total.dataQualityText) (1 default values … 4 measured)"),
            HTMLPage.Fact("method", "ISO 14083 / GLEC well-to-wheel"),
        ]
        let services = lines.map { "\($0.carrier)/\($0.service)" }
        var perService: [HTMLPage.Block] = []
        if lines.isEmpty {
            perService.append(.paragraph("No shipment was booked in this period."))
        } else {
            let chart = BarChart(
                title: "CO2e per carrier and service, kg", categories: services,
                series: [BarChart.Series("CO2e", lines.map { $0.co2eGrams / 1000 })], unit: "kg CO2e, well-to-wheel", style: style,
                label: { style.fixed($0, 3) })
            perService.append(.chart(chart.svg, caption: "CO2e of the shipments booked in the period, per carrier and service, in kg."))
            let intensity = BarChart(
                title: "CO2e per tonne-km, g", categories: services,
                series: [BarChart.Series("g CO2e per t·km", lines.map { $0.tonneKm > 0 ? $0.co2eGrams / $0.tonneKm : nil })],
                unit: "g CO2e per tonne-km", style: style, label: { style.fixed($0, 1) })
            perService.append(
                .chart(
                    intensity.svg,
                    caption: "Grams of CO2e per tonne-km carried: how clean each service is for the weight it moves (hub and last mile included)."))
        }
        perService.append(
            .table(
                HTMLPage.Table(
                    columns: [
                        .init("carrier"), .init("service"), .init("shipments", numeric: true), .init("parcels", numeric: true),
                        .init("tonne-km", numeric: true), .init("CO2e kg", numeric: true), .init("data quality", numeric: true),
                        .init("distances"),
                    ],
                    rows: lines.map { $0.cells(style: style) + [$0.distanceText(style: style)] },
                    footer: [total.cells(style: style) + [total.distanceText(style: style)]])))
        perService.append(
            .paragraph(
                "Distances are great-circle × 1.05 when the recipient's coordinates are known, else the service's default for the zone."))

        var perMonth: [HTMLPage.Block] = []
        if months.count > 1 {
            let chart = BarChart(
                title: "CO2e per month and carrier service, kg", categories: months.map(\.month),
                series: lines.map { line in
                    let key = ServiceKey(carrier: line.carrier, service: line.service)
                    return BarChart.Series("\(key)", months.map { ($0.co2eGramsByService[key] ?? 0) / 1000 })
                }, unit: "kg CO2e, well-to-wheel", style: style, label: { style.fixed($0, 3) })
            perMonth.append(.chart(chart.svg, caption: "CO2e of the shipments booked each month, per carrier and service, in kg."))
        } else {
            perMonth.append(
                .paragraph("One month: add --through YYYY-MM to compare months (relaisctl report emissions --month … --through …)."))
        }
        perMonth.append(
            .table(
                HTMLPage.Table(
                    columns: [.init("month"), .init("shipments", numeric: true), .init("CO2e kg", numeric: true)],
                    rows: months.map { $0.cells(style: style) })))

        let dayChart = LineChart(
            title: "CO2e per booking day, kg", xLabels: days.map { Self.shortDate($0.day) },
            series: [LineChart.Series("CO2e", days.map { $0.co2eGrams / 1000 })], unit: "kg CO2e",
            tick: { style.fixed($0, $1) })
        let perDay: [HTMLPage.Block] = [
            .chart(dayChart.svg, caption: "CO2e of the shipments booked each day of \(period), in kg; in all \(style.fixed(total.co2eGrams / 1000, 3)) kg."),
        ]
        let method: [HTMLPage.Block] =
            [.paragraph("Method: \(method).")] + notes.dropFirst().map { .paragraph($0) } + Self.frenchRequirements.map { .paragraph($0) }
        return HTMLPage(
            title: "Emissions of shipments booked \(period)", facts: facts,
            sections: [
                HTMLPage.Section("Per carrier and service", perService),
                HTMLPage.Section("Per month", perMonth),
                HTMLPage.Section("Day by day", perDay),
                HTMLPage.Section("Method, and the French GHG information", method),
            ])
    }

    /// `11-23`: a day along a chart's axis (the year and month are the report's).
    static func shortDate(_ day: CivilDate) -> String { String(day.description.dropFirst(5)) }
}
