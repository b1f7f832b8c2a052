/// A plain-text table for terminals: columns padded to their widest cell.
struct TextTable {
    enum Alignment { case left, right }

    var headers: [String]
    var alignments: [Alignment]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        self.headers = columns.map(\.0)
        self.alignments = columns.map(\.1)
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(indent: String = "") -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[index] - cell.count))
                let isLast = index == cells.count - 1
                parts.append(alignments[index] == .right ? pad + cell : (isLast ? cell : cell + pad))
            }
            return indent + parts.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n") + "\n"
    }
}
