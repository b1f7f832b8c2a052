/// Where shipments move: sources on the left, destinations on the right, and a band from
/// each source to each destination as wide as the shipments that move that way.
public struct FlowChart: Sendable {
    /// Shipments moving one way.
    public struct Flow: Hashable, Sendable {
        public var from: String
        public var to: String
        public var count: Int

        public init(from: String, to: String, count: Int) {
            self.from = from
            self.to = to
            self.count = count
        }
    }

    /// For screen readers, and the chart's name in tests.
    public var title: String
    /// Drawn largest first; past `limit`, the rest are summed in the caption, not drawn.
    public var flows: [Flow]
    public var style: NumberStyle
    public var limit: Int
    public var width: Double

    public init(title: String, flows: [Flow], style: NumberStyle, limit: Int = 14, width: Double = 720) {
        self.title = title
        self.flows = flows
        self.style = style
        self.limit = limit
        self.width = width
    }

    /// The flows drawn, largest first.
    public var drawn: [Flow] { Array(flows.sorted { ($0.count, $1.from, $1.to) > ($1.count, $0.from, $0.to) }.prefix(limit)) }

    /// The chart as an inline `svg` element, ready for ``HTMLPage/Block/chart(_:caption:)``.
    public var svg: HTML {
        let flows = drawn
        let total = Double(flows.reduce(0) { $0 + $1.count })
        func nodes(_ name: KeyPath<Flow, String>) -> [(name: String, count: Int)] {
            var counts: [String: Int] = [:]
            for flow in flows { counts[flow[keyPath: name], default: 0] += flow.count }
            return counts.map { ($0.key, $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
        }
        let sources = nodes(\.from), destinations = nodes(\.to)
        let gap = 10.0, top = 28.0, nodeWidth = 12.0
        let most = Double(max(sources.count, destinations.count))
        let height = max(140, 36 * most)
        let usable = height - gap * (most - 1) - 2 * most
        let perShipment = total > 0 ? usable / total : 0
        let labelWidth = width * 0.3
        let leftX = labelWidth, rightX = width - labelWidth - nodeWidth
        var canvas = SVGCanvas(width: width, height: top + height + 8)
        canvas.text("from (recorded)", x: leftX + nodeWidth, y: 16, anchor: .end, bold: true)
        canvas.text("to (simulated)", x: rightX, y: 16, bold: true)

        func layout(_ list: [(name: String, count: Int)]) -> [String: (y: Double, height: Double, index: Int)] {
            var result: [String: (y: Double, height: Double, index: Int)] = [:]
            let used = list.reduce(0.0) { $0 + max(2, Double($1.count) * perShipment) } + gap * Double(max(0, list.count - 1))
            var y = top + (height - used) / 2
            for (index, node) in list.enumerated() {
                let h = max(2, Double(node.count) * perShipment)
                result[node.name] = (y, h, index)
                y += h + gap
            }
            return result
        }
        let left = layout(sources), right = layout(destinations)
        var leftOffset: [String: Double] = [:], rightOffset: [String: Double] = [:]
        let middle = (leftX + nodeWidth + rightX) / 2
        for flow in flows {
            guard let source = left[flow.from], let destination = right[flow.to] else { continue }
            let band = Double(flow.count) * perShipment
            let y0 = source.y + leftOffset[flow.from, default: 0], y1 = destination.y + rightOffset[flow.to, default: 0]
            leftOffset[flow.from, default: 0] += band
            rightOffset[flow.to, default: 0] += band
            let (x0, x1) = (leftX + nodeWidth, rightX)
            let n = SVGCanvas.number
            let data = "M\(n(x0)),\(n(y0)) C\(n(middle)),\(n(y0)) \(n(middle)),\(n(y1)) \(n(x1)),\(n(y1)) "
                + "L\(n(x1)),\(n(y1 + band)) C\(n(middle)),\(n(y1 + band)) \(n(middle)),\(n(y0 + band)) \(n(x0)),\(n(y0 + band)) Z"
            canvas.path(
                data, fill: ChartPalette.colour(source.index), opacity: 0.45,
                title: "\(flow.from) → \(flow.to): \(style.integer(flow.count)) shipments")
        }
        let limit = Int(labelWidth / 7) - 6
        for node in sources {
            guard let place = left[node.name] else { continue }
            canvas.rect(x: leftX, y: place.y, width: nodeWidth, height: place.height, fill: ChartPalette.colour(place.index))
            canvas.text(
                "\(ChartPalette.label(node.name, limit: limit)) \(style.integer(node.count))", x: leftX - 6,
                y: place.y + place.height / 2 + 4, anchor: .end)
        }
        for node in destinations {
            guard let place = right[node.name] else { continue }
            canvas.rect(x: rightX, y: place.y, width: nodeWidth, height: place.height, fill: ChartPalette.axis)
            canvas.text(
                "\(style.integer(node.count)) \(ChartPalette.label(node.name, limit: limit))", x: rightX + nodeWidth + 6,
                y: place.y + place.height / 2 + 4)
        }
        return canvas.svg(title: title)
    }
}
