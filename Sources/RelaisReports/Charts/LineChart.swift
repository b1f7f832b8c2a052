/// Lines over days: one per series, each with an optional limit drawn dashed in its colour
/// (a carrier's share of the day's bookings against its `max_share`).
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// One per x label; nil leaves a gap (nothing that day).
        public var values: [Double?]
        /// Drawn as a dashed line across the chart.
        public var limit: Double?

        public init(_ name: String, _ values: [Double?], limit: Double? = nil) {
            self.name = name
            self.values = values
            self.limit = limit
        }
    }

    /// For screen readers, and the chart's name in tests.
    public var title: String
    /// The days (or other steps) along the bottom.
    public var xLabels: [String]
    public var series: [Series]
    /// The value axis's title, with the unit.
    public var unit: String
    /// How a value axis tick prints.
    public var tick: @Sendable (Double, Int) -> String
    /// The top of the value axis at least (1 for shares).
    public var ceiling: Double?
    public var width: Double

    public init(
        title: String, xLabels: [String], series: [Series], unit: String, ceiling: Double? = nil, width: Double = 720,
        tick: @escaping @Sendable (Double, Int) -> String
    ) {
        self.title = title
        self.xLabels = xLabels
        self.series = series
        self.unit = unit
        self.ceiling = ceiling
        self.width = width
        self.tick = tick
    }

    /// The chart as an inline `svg` element, ready for ``HTMLPage/Block/chart(_:caption:)``.
    public var svg: HTML {
        let legendHeight = series.count > 1 || series.contains { $0.limit != nil } ? 24.0 : 0
        let top = 10 + legendHeight, plotHeight = 220.0
        let plotX = 64.0...(width - 16)
        let plotY = top...(top + plotHeight)
        var canvas = SVGCanvas(width: width, height: top + plotHeight + 48)
        let scale = ChartScale(
            values: series.flatMap { $0.values.compactMap { $0 } + [$0.limit].compactMap { $0 } }, ceiling: ceiling)
        func y(_ value: Double) -> Double { plotY.upperBound - (scale.position(value, in: 0...plotHeight)) }
        let count = max(1, xLabels.count)
        func x(_ index: Int) -> Double {
            count == 1 ? (plotX.lowerBound + plotX.upperBound) / 2
                : plotX.lowerBound + Double(index) / Double(count - 1) * (plotX.upperBound - plotX.lowerBound)
        }

        if legendHeight > 0 {
            var entries: [(name: String, colour: String, mark: SVGCanvas.LegendMark)] =
                series.enumerated().map { ($0.element.name, ChartPalette.colour($0.offset), .line) }
            if series.contains(where: { $0.limit != nil }) { entries.append(("limit", ChartPalette.axis, .dashed)) }
            canvas.legend(entries, x: plotX.lowerBound, y: 16)
        }
        for value in scale.ticks {
            canvas.line(x1: plotX.lowerBound, y1: y(value), x2: plotX.upperBound, y2: y(value), stroke: ChartPalette.grid)
            canvas.text(tick(value, scale.places), x: plotX.lowerBound - 6, y: y(value) + 4, anchor: .end, size: 11, muted: true)
        }
        canvas.line(x1: plotX.lowerBound, y1: y(0), x2: plotX.upperBound, y2: y(0), stroke: ChartPalette.axis)
        canvas.text(unit, x: 14, y: (plotY.lowerBound + plotY.upperBound) / 2, anchor: .middle, size: 12, muted: true, rotate: true)
        // About eight dates along the bottom at a regular step, and the last one unless it
        // would crowd the one before.
        let step = max(1, Int((Double(count - 1) / 7).rounded(.up)))
        var shown = Array(stride(from: 0, to: count, by: step))
        if let last = shown.last, last != count - 1 {
            if (count - 1) - last < (step + 1) / 2 { shown.removeLast() }
            shown.append(count - 1)
        }
        for index in shown where index < xLabels.count {
            canvas.text(xLabels[index], x: x(index), y: plotY.upperBound + 18, anchor: .middle, size: 11, muted: true)
        }
        for (index, entry) in series.enumerated() {
            let colour = ChartPalette.colour(index)
            if let limit = entry.limit {
                canvas.line(x1: plotX.lowerBound, y1: y(limit), x2: plotX.upperBound, y2: y(limit), stroke: colour, width: 1.5, dashed: true)
            }
            // A line through each run of consecutive days with a value.
            var run: [(x: Double, y: Double)] = []
            for (day, value) in entry.values.enumerated() {
                if let value {
                    run.append((x(day), y(value)))
                } else {
                    if run.count > 1 { canvas.polyline(run, stroke: colour) }
                    run = []
                }
            }
            if run.count > 1 { canvas.polyline(run, stroke: colour) }
            if count <= 45 {
                for (day, value) in entry.values.enumerated() {
                    guard let value else { continue }
                    let label = day < xLabels.count ? xLabels[day] : ""
                    canvas.circle(x: x(day), y: y(value), radius: 3, fill: colour, title: "\(entry.name), \(label): \(tick(value, 1))")
                }
            }
        }
        return canvas.svg(title: title)
    }
}
