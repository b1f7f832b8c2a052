/// Horizontal bars, one group per category (a carrier, a service, a metric), one bar per
/// series in each group: a plain bar chart with one series, a grouped one with several.
///
/// Categories read down the left, where long names fit; the value axis runs along the
/// bottom with its unit (`kg CO2e`, `EUR`, `days`); each bar ends with its figure.
public struct BarChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// One per category; nil draws no bar (no figure).
        public var values: [Double?]

        public init(_ name: String, _ values: [Double?]) {
            self.name = name
            self.values = values
        }
    }

    /// For screen readers, and the chart's name in tests.
    public var title: String
    public var categories: [String]
    public var series: [Series]
    /// The value axis's title, with the unit: `CO2e, kg`.
    public var unit: String
    /// How a figure prints at the end of its bar (and in its tooltip).
    public var label: @Sendable (Double) -> String
    public var style: NumberStyle
    /// The drawing's width in its own units: it scales to the page; text keeps its size to it.
    public var width: Double

    public init(
        title: String, categories: [String], series: [Series], unit: String, style: NumberStyle, width: Double = 720,
        label: @escaping @Sendable (Double) -> String
    ) {
        self.title = title
        self.categories = categories
        self.series = series
        self.unit = unit
        self.style = style
        self.width = width
        self.label = label
    }

    /// The chart as an inline `svg` element, ready for ``HTMLPage/Block/chart(_:caption:)``.
    public var svg: HTML {
        let barHeight = 16.0, barGap = 3.0, groupGap = 12.0
        let legendHeight = series.count > 1 ? 24.0 : 0
        let top = 8 + legendHeight
        let labelWidth = min(200, width * 0.32)
        let plot = (labelWidth + 8)...(width - 64)
        let groupHeight = Double(series.count) * (barHeight + barGap) - barGap
        let plotHeight = max(1, Double(categories.count)) * (groupHeight + groupGap)
        var canvas = SVGCanvas(width: width, height: top + plotHeight + 44)
        let scale = ChartScale(values: series.flatMap { $0.values.compactMap { $0 } })

        if series.count > 1 {
            canvas.legend(
                series.enumerated().map { ($0.element.name, ChartPalette.colour($0.offset), .box) }, x: plot.lowerBound, y: 16.5)
        }
        for tick in scale.ticks {
            let x = scale.position(tick, in: plot)
            canvas.line(x1: x, y1: top, x2: x, y2: top + plotHeight, stroke: ChartPalette.grid)
            canvas.text(style.fixed(tick, scale.places), x: x, y: top + plotHeight + 16, anchor: .middle, size: 11, muted: true)
        }
        let zero = scale.position(0, in: plot)
        canvas.line(x1: zero, y1: top, x2: zero, y2: top + plotHeight, stroke: ChartPalette.axis)
        canvas.text(unit, x: (plot.lowerBound + plot.upperBound) / 2, y: top + plotHeight + 36, anchor: .middle, size: 12, muted: true)

        for (row, category) in categories.enumerated() {
            let groupTop = top + Double(row) * (groupHeight + groupGap) + groupGap / 2
            canvas.text(
                ChartPalette.label(category, limit: Int(labelWidth / 7)), x: labelWidth, y: groupTop + groupHeight / 2 + 4, anchor: .end)
            for (index, entry) in series.enumerated() {
                guard row < entry.values.count, let value = entry.values[row] else { continue }
                let y = groupTop + Double(index) * (barHeight + barGap)
                let end = scale.position(value, in: plot)
                canvas.rect(
                    x: min(zero, end), y: y, width: abs(end - zero), height: barHeight, fill: ChartPalette.colour(index),
                    title: "\(category)\(series.count > 1 ? ", \(entry.name)" : ""): \(label(value))")
                canvas.text(label(value), x: max(zero, end) + 4, y: y + barHeight - 4, size: 11)
            }
        }
        return canvas.svg(title: title)
    }
}
