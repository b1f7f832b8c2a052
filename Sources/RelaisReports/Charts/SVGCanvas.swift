import Foundation

/// The shapes of one chart, written as SVG markup: coordinates rounded to a tenth of a
/// pixel, every text escaped.
struct SVGCanvas {
    let width: Double
    let height: Double
    private var shapes: [HTML] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    static func number(_ value: Double) -> String {
        let tenth = (value * 10).rounded() / 10
        return tenth == tenth.rounded() ? String(Int(tenth)) : String(tenth)
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, title: String? = nil) {
        let attributes = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("width", Self.number(max(0, width))),
            ("height", Self.number(max(0, height))), ("fill", fill),
        ]
        // A tooltip on screen: the exact figure behind the bar.
        shapes.append(title.map { HTML.element("rect", attributes, HTML.element("title", text: $0)) } ?? HTML.empty("rect", attributes))
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, width: Double = 1, dashed: Bool = false) {
        var attributes = [
            ("x1", Self.number(x1)), ("y1", Self.number(y1)), ("x2", Self.number(x2)), ("y2", Self.number(y2)), ("stroke", stroke),
            ("stroke-width", Self.number(width)),
        ]
        if dashed { attributes.append(("stroke-dasharray", "5 4")) }
        shapes.append(HTML.empty("line", attributes))
    }

    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2) {
        let list = points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")
        shapes.append(
            HTML.empty(
                "polyline",
                [("points", list), ("fill", "none"), ("stroke", stroke), ("stroke-width", Self.number(width)), ("stroke-linejoin", "round")]))
    }

    mutating func circle(x: Double, y: Double, radius: Double, fill: String, title: String? = nil) {
        let attributes = [("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill)]
        shapes.append(title.map { HTML.element("circle", attributes, HTML.element("title", text: $0)) } ?? HTML.empty("circle", attributes))
    }

    mutating func path(_ data: String, fill: String, opacity: Double = 1, title: String? = nil) {
        let attributes = [("d", data), ("fill", fill), ("fill-opacity", String(opacity))]
        shapes.append(title.map { HTML.element("path", attributes, HTML.element("title", text: $0)) } ?? HTML.empty("path", attributes))
    }

    enum Anchor: String { case start, middle, end }

    mutating func text(
        _ text: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12, bold: Bool = false, muted: Bool = false,
        rotate: Bool = false
    ) {
        var attributes = [
            ("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size)), ("text-anchor", anchor.rawValue),
        ]
        if bold { attributes.append(("font-weight", "600")) }
        if muted { attributes.append(("fill-opacity", "0.75")) }
        if rotate { attributes.append(("transform", "rotate(-90 \(Self.number(x)) \(Self.number(y)))")) }
        shapes.append(HTML.element("text", attributes, text: text))
    }

    /// How a legend entry is marked: a box (bars), a line (lines), a dashed line (limits).
    enum LegendMark { case box, line, dashed }

    /// A legend in one row from `x`, its text's baseline at `y`.
    mutating func legend(_ entries: [(name: String, colour: String, mark: LegendMark)], x: Double, y: Double) {
        var x = x
        for entry in entries {
            switch entry.mark {
            case .box: rect(x: x, y: y - 10.5, width: 12, height: 12, fill: entry.colour)
            case .line: line(x1: x, y1: y - 4, x2: x + 14, y2: y - 4, stroke: entry.colour, width: 3)
            case .dashed: line(x1: x, y1: y - 4, x2: x + 14, y2: y - 4, stroke: entry.colour, width: 1.5, dashed: true)
            }
            text(entry.name, x: x + 18, y: y)
            x += 30 + Double(entry.name.count) * 7
        }
    }

    /// The `svg` element: scales to its container, described for screen readers by `title`.
    func svg(title: String) -> HTML {
        HTML.element(
            "svg",
            [
                ("viewBox", "0 0 \(Self.number(width)) \(Self.number(height))"), ("role", "img"),
                ("preserveAspectRatio", "xMidYMid meet"),
            ],
            content: [HTML.element("title", text: title)] + shapes)
    }
}

/// Colours told apart by most colour-blind readers (Okabe & Ito), then grey.
enum ChartPalette {
    static let colours = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#7F7F7F", "#000000"]
    static let axis = "#5b6472"
    static let grid = "#e3e7ec"

    static func colour(_ index: Int) -> String { colours[index % colours.count] }

    /// A name shortened to `limit` characters with an ellipsis, for a label beside a bar.
    static func label(_ text: String, limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}

/// A value axis from zero (or below, for negative values) to a round figure, with four to
/// six ticks at round steps (1, 2 or 5 × 10ⁿ).
struct ChartScale {
    let low: Double
    let high: Double
    let step: Double

    init(values: [Double], ceiling: Double? = nil) {
        let finite = values.filter(\.isFinite)
        var low = min(0, finite.min() ?? 0)
        var high = max(0, finite.max() ?? 0, ceiling ?? 0)
        if high - low <= 0 { high = low + 1 }
        let raw = (high - low) / 5
        let magnitude = pow(10, log10(raw).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        low = (low / step).rounded(.down) * step
        high = (high / step).rounded(.up) * step
        self.low = low
        self.high = high
        self.step = step
    }

    var ticks: [Double] {
        var values: [Double] = []
        var value = low
        while value <= high + step / 2 {
            values.append(abs(value) < step / 1e6 ? 0 : value)
            value += step
        }
        return values
    }

    /// Decimals a tick label needs at this step.
    var places: Int { step >= 1 ? 0 : min(6, Int(-log10(step).rounded(.down))) }

    /// `value` mapped onto `range` (pixels from `lowerBound` at `low` to `upperBound` at `high`).
    func position(_ value: Double, in range: ClosedRange<Double>) -> Double {
        range.lowerBound + (value - low) / (high - low) * (range.upperBound - range.lowerBound)
    }
}
