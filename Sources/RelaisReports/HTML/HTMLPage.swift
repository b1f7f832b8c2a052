/// A report as one self-contained page: a title, the facts it rests on (policy, period),
/// then sections of tables, charts and notes.
///
/// The page is well-formed XHTML5 (every element closed, attributes quoted, text escaped) with
/// its CSS inline and its charts as inline SVG: nothing is fetched, no script runs, and it
/// prints on A4 (a section is not split across pages when it fits on one).
///
/// A report gets an HTML form by conforming to ``HTMLReport``: it lays its own figures out
/// in sections, and the page does the rest.
public struct HTMLPage: Sendable {
    /// A figure the report rests on, shown under the title: `policy`, `period`.
    public struct Fact: Hashable, Sendable {
        public var label: String
        public var value: String
        /// Printed in a fixed-width font (hashes, ids).
        public var code: Bool

        public init(_ label: String, _ value: String, code: Bool = false) {
            self.label = label
            self.value = value
            self.code = code
        }
    }

    /// A table: header cells, rows, and footer rows (totals).
    public struct Table: Hashable, Sendable {
        public struct Column: Hashable, Sendable {
            public var title: String
            /// Right-aligned, tabular digits.
            public var numeric: Bool

            public init(_ title: String, numeric: Bool = false) {
                self.title = title
                self.numeric = numeric
            }
        }

        public var columns: [Column]
        public var rows: [[String]]
        public var footer: [[String]]

        public init(columns: [Column], rows: [[String]], footer: [[String]] = []) {
            self.columns = columns
            self.rows = rows
            self.footer = footer
        }
    }

    /// One piece of a section.
    public enum Block: Sendable {
        case paragraph(String)
        case facts([Fact])
        case table(Table)
        /// A chart and the sentence under it.
        case chart(HTML, caption: String)
        /// Charts side by side on a laptop, two a row on paper.
        case charts([(HTML, caption: String)])
        /// A warning the reader must not miss.
        case warning(String)
    }

    /// A heading and what comes under it; printed on one page when it fits.
    public struct Section: Sendable {
        public var title: String
        public var blocks: [Block]

        public init(_ title: String, _ blocks: [Block]) {
            self.title = title
            self.blocks = blocks
        }
    }

    /// The page's heading and the browser tab's title.
    public var title: String
    /// Under the title, before the first section.
    public var facts: [Fact]
    public var sections: [Section]
    /// A line at the foot of the page: what made it.
    public var footer: String

    public init(title: String, facts: [Fact], sections: [Section], footer: String = "Made by relaisctl from the Relais records.") {
        self.title = title
        self.facts = facts
        self.sections = sections
        self.footer = footer
    }

    /// The whole file: `<!DOCTYPE html>` and one `html` element.
    public func render() -> String {
        let head = HTML.element(
            "head", [],
            HTML.empty("meta", [("charset", "utf-8")]),
            HTML.empty("meta", [("name", "viewport"), ("content", "width=device-width, initial-scale=1")]),
            HTML.element("title", text: title),
            HTML.element("style", [], HTML(trusted: Self.css)))
        var body = HTML.element("h1", text: title)
        body += Self.render(.facts(facts))
        for section in sections {
            body += HTML.element(
                "section", [], content: [HTML.element("h2", text: section.title)] + section.blocks.map(Self.render))
        }
        body += HTML.element("footer", text: footer)
        let html = HTML.element("html", [("lang", "en")], head, HTML.element("body", [], HTML.element("main", [], body)))
        return "<!DOCTYPE html>\n" + html.markup + "\n"
    }

    static func render(_ block: Block) -> HTML {
        switch block {
        case .paragraph(let text):
            return HTML.element("p", text: text)
        case .warning(let text):
            return HTML.element("p", [("class", "warning")], text: text)
        case .facts(let facts):
            return HTML.element(
                "dl", [("class", "facts")],
                content: facts.map { fact in
                    HTML.element("dt", text: fact.label)
                        + HTML.element("dd", [], fact.code ? HTML.element("code", text: fact.value) : HTML(text: fact.value))
                })
        case .table(let table):
            return render(table)
        case .chart(let svg, let caption):
            return figure(svg, caption: caption)
        case .charts(let charts):
            return HTML.element("div", [("class", "charts")], content: charts.map { figure($0.0, caption: $0.caption) })
        }
    }

    static func figure(_ svg: HTML, caption: String) -> HTML {
        HTML.element("figure", [], svg, HTML.element("figcaption", text: caption))
    }

    static func render(_ table: Table) -> HTML {
        func row(_ cells: [String], header: Bool = false) -> HTML {
            HTML.element(
                "tr", [],
                content: cells.enumerated().map { index, cell in
                    let numeric = index < table.columns.count && table.columns[index].numeric
                    return HTML.element(header ? "th" : "td", numeric ? [("class", "num")] : [], text: cell)
                })
        }
        var content = [HTML.element("thead", [], row(table.columns.map(\.title), header: true))]
        content.append(HTML.element("tbody", [], content: table.rows.map { row($0) }))
        if !table.footer.isEmpty { content.append(HTML.element("tfoot", [], content: table.footer.map { row($0) })) }
        return HTML.element("div", [("class", "table")], HTML.element("table", [], content: content))
    }

    /// Laptop first, A4 when printed; system fonts only (nothing is fetched).
    static let css = """
        :root{color-scheme:light;--ink:#1d2430;--muted:#5b6472;--rule:#d5dae1;--band:#f3f5f8;--warn:#8a4b00}
        *{box-sizing:border-box}
        body{margin:0;background:#fff;color:var(--ink);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
        main{max-width:60rem;margin:0 auto;padding:1.5rem 1.25rem 2rem}
        h1{font-size:1.6rem;margin:0 0 .75rem}
        h2{font-size:1.15rem;margin:1.75rem 0 .6rem;padding-bottom:.25rem;border-bottom:2px solid var(--rule)}
        p{margin:.4rem 0;max-width:48rem}
        .warning{color:var(--warn);font-weight:600}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0 0 .5rem}
        dl.facts dt{color:var(--muted)}
        dl.facts dd{margin:0}
        code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
        .table{overflow-x:auto}
        table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
        th,td{padding:.3rem .6rem;border-bottom:1px solid var(--rule);text-align:left;vertical-align:top}
        th{font-weight:600;background:var(--band)}
        td.num,th.num{text-align:right}
        td.num{white-space:nowrap}
        tfoot td{font-weight:600;border-top:2px solid var(--ink)}
        figure{margin:.75rem 0}
        figcaption{color:var(--muted);font-size:.9rem}
        svg{display:block;width:100%;height:auto;max-width:48rem}
        svg text{font-family:inherit;fill:var(--ink)}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(17rem,1fr));gap:.5rem 1.5rem}
        footer{margin-top:2rem;color:var(--muted);font-size:.85rem}
        @page{size:A4;margin:14mm 12mm}
        @media print{
        body{font-size:10.5pt}
        main{max-width:none;padding:0}
        h2{break-after:avoid}
        section,figure,table{break-inside:avoid}
        .table{overflow:visible}
        .charts{grid-template-columns:1fr 1fr 1fr}
        table{font-size:9pt}
        svg{max-width:100%}
        }
        """
}

/// A report that has an HTML form: its figures laid out in sections of an ``HTMLPage``.
///
/// A new report conforms by writing one method; figures come from the report's own values
/// through `style`, the same values its text and JSON forms print.
public protocol HTMLReport {
    func htmlPage(style: NumberStyle) -> HTMLPage
}
