import Mustache

/// Notes what one render asks of its context, for a ``TemplatePlan``: each table asked, as
/// its path from the root, and each name asked of it, once, with what it found.
final class TemplateRecorder {
    private(set) var tables: [[TemplatePlan.Step]] = []
    private(set) var lookups: [TemplatePlan.Lookup] = []
    private var tableIndex: [[TemplatePlan.Step]: Int] = [:]
    private var lookupIndex: [LookupKey: Int] = [:]

    private struct LookupKey: Hashable {
        var table: Int
        var name: String
    }

    /// The root of the context, as Mustache is to see it.
    func root(_ table: TemplateTable) -> RecordingTable { self.table(table, at: []) }

    fileprivate func table(_ table: TemplateTable, at path: [TemplatePlan.Step]) -> RecordingTable {
        let index =
            tableIndex[path]
            ?? {
                tables.append(path)
                tableIndex[path] = tables.count - 1
                return tables.count - 1
            }()
        return RecordingTable(table: table, index: index, path: path, recorder: self)
    }

    fileprivate func lookup(_ name: String, in table: Int, found: TemplateValue?) -> Int {
        let key = LookupKey(table: table, name: name)
        if let index = lookupIndex[key] { return index }
        lookups.append(.init(table: table, name: name, found: TemplatePlan.Found(found)))
        lookupIndex[key] = lookups.count - 1
        return lookups.count - 1
    }
}

/// A table of the context while a plan is made: Mustache asks it for names as it would ask
/// the ``TemplateTable`` itself, and each answer is of the same type, but a text comes back
/// as its lookup's marker and a table as a recording table in its turn.
///
/// It prints as ``TemplatePlan/tableMarker``, so an output that prints a table has no plan.
struct RecordingTable: MustacheParent, CustomStringConvertible {
    fileprivate let table: TemplateTable
    fileprivate let index: Int
    fileprivate let path: [TemplatePlan.Step]
    fileprivate let recorder: TemplateRecorder

    func child(named name: String) -> Any? {
        let value = table.fields[name]
        let lookup = recorder.lookup(name, in: index, found: value)
        switch value {
        case nil: return nil
        case .text: return TemplateText(text: TemplatePlan.marker(lookup))
        case .flag(let flag): return flag
        case .table(let inner): return recorder.table(inner, at: path + [.field(name)])
        case .list(let items):
            return items.enumerated().map { item, table in recorder.table(table, at: path + [.field(name), .item(item)]) }
        }
    }

    var description: String { String(TemplatePlan.tableMarker) }
}
