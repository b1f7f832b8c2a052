import RelaisCore

/// Reads a rate CSV (SPEC §5): `max_kg` then one column per zone; each row a weight band,
/// ascending; prices before fuel surcharge; an empty cell means "not served".
///
/// Accepts a UTF-8 byte-order mark, CRLF line ends, `;` instead of `,` (spreadsheets set to
/// French), and double-quoted cells.
enum RateTableLoader {
    /// - Parameters:
    ///   - text: the file's contents.
    ///   - file: the file's name in messages.
    ///   - zones: the carrier's zones; every column must name one.
    /// - Returns: the table, or nil when an error was logged.
    static func load(text: String, file: String, zones: ZoneMap, log: DiagnosticLog) -> RateTable? {
        var body = Substring(text)
        if body.hasPrefix("\u{FEFF}") { body = body.dropFirst() }
        let rows = body.textLines()
        guard let header = rows.first, !header.trimmingSpaces().isEmpty else {
            log.error(file, line: 1, "rate file is empty: expected a header 'max_kg,<zone>,…'")
            return nil
        }
        let separator: Character = header.contains(";") && !header.contains(",") ? ";" : ","
        let columns = split(header, separator)
        guard columns.first == "max_kg" else {
            log.error(file, line: 1, "the first column must be 'max_kg', found \(FileText.quoted(columns.first ?? ""))")
            return nil
        }
        var zoneOfColumn: [ZoneID] = []
        var failed = false
        for name in columns.dropFirst() {
            if let zone = zones.id(named: name) {
                if zoneOfColumn.contains(zone) {
                    log.error(file, line: 1, "zone \(FileText.quoted(name)) has two columns")
                    failed = true
                }
                zoneOfColumn.append(zone)
            } else {
                log.error(file, line: 1, "unknown zone \(FileText.quoted(name)) (the carrier's zones: \(zones.names.joined(separator: ", ")))")
                failed = true
            }
        }
        if failed { return nil }

        var bands: [Double] = []
        var cells: [[Money?]] = []
        for (offset, row) in rows.enumerated().dropFirst() {
            let lineNumber = offset + 1
            if row.trimmingSpaces().isEmpty { continue }
            let fields = split(row, separator)
            guard fields.count == columns.count else {
                log.error(file, line: lineNumber, "expected \(columns.count) cells, found \(fields.count)")
                failed = true
                continue
            }
            guard let maxKg = Double(fields[0]), maxKg.isFinite, maxKg > 0 else {
                log.error(file, line: lineNumber, "max_kg must be a positive number, found \(FileText.quoted(fields[0]))")
                failed = true
                continue
            }
            if let previous = bands.last, maxKg <= previous {
                log.error(
                    file, line: lineNumber,
                    "weight bands must ascend: \(TableReader.format(maxKg)) kg comes after \(TableReader.format(previous)) kg")
                failed = true
            }
            var row = [Money?](repeating: nil, count: zones.names.count)
            for (column, field) in fields.enumerated().dropFirst() where !field.isEmpty {
                let zoneName = columns[column]
                if field.hasPrefix("-") {
                    log.error(file, line: lineNumber, "negative price \(FileText.quoted(field)) for zone \(zoneName)")
                    failed = true
                } else if let price = Money(decimal: field) {
                    row[zoneOfColumn[column - 1].index] = price
                } else {
                    log.error(
                        file, line: lineNumber,
                        "price \(FileText.quoted(field)) for zone \(zoneName) is not an amount with at most two decimals")
                    failed = true
                }
            }
            bands.append(maxKg)
            cells.append(row)
        }
        if bands.isEmpty {
            log.error(file, line: 1, "no weight bands after the header")
            failed = true
        }
        return failed ? nil : RateTable(bandMaxKg: bands, cells: cells)
    }

    /// Splits one CSV line; cells are trimmed, and a double-quoted cell may hold the separator.
    static func split(_ line: Substring, _ separator: Character) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var iterator = line.makeIterator()
        while let character = iterator.next() {
            if quoted {
                if character == "\"" { quoted = false } else { current.append(character) }
            } else if character == "\"" {
                quoted = true
            } else if character == separator {
                fields.append(String(Substring(current).trimmingSpaces()))
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(String(Substring(current).trimmingSpaces()))
        return fields
    }
}
