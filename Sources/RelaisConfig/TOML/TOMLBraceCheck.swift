/// Finds a `}` where an array element should start (`a = [}`, `a = [1, }`): TOML 1.0 refuses
/// it, but toml++ stops the process on an assertion in `parse_value()` instead of reporting
/// it (found by fuzzing, FUZZING.md), so ``TOMLDocument`` refuses it before toml++ reads the
/// file.
///
/// A scanner, not a parser: it follows strings (basic, literal, multi-line, with escapes),
/// comments, and the nesting of arrays and inline tables in values, which is all it takes to
/// know where an element starts.
enum TOMLBraceCheck {
    /// The line and column (from 1) of the first `}` at an array element's start, if any.
    static func misplacedBrace(in text: String) -> (line: Int, column: Int)? {
        enum Nesting { case array, table }
        enum Mode { case normal, comment, basic, literal, multiBasic, multiLiteral }
        var mode = Mode.normal
        var nesting: [Nesting] = []
        var expectingValue = false  // after `=`: a `[` opens an array, not a table header
        var elementStart = false  // after `[` or `,` in an array, before anything else
        var line = 1
        var column = 0
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func next(_ offset: Int) -> Unicode.Scalar? { index + offset < scalars.count ? scalars[index + offset] : nil }
        while index < scalars.count {
            let scalar = scalars[index]
            column += 1
            defer { index += 1 }
            if scalar == "\n" {
                line += 1
                column = 0
                if mode == .comment || mode == .basic || mode == .literal { mode = .normal }
                continue
            }
            switch mode {
            case .comment:
                continue
            case .basic, .multiBasic:
                if scalar == "\\" {
                    if next(1) == "\n" {
                        line += 1
                        column = 0
                    } else {
                        column += 1
                    }
                    index += 1
                } else if scalar == "\"" {
                    if mode == .basic {
                        mode = .normal
                    } else if next(1) == "\"" && next(2) == "\"" {
                        mode = .normal
                        index += 2
                        column += 2
                    }
                }
                continue
            case .literal, .multiLiteral:
                if scalar == "'" {
                    if mode == .literal {
                        mode = .normal
                    } else if next(1) == "'" && next(2) == "'" {
                        mode = .normal
                        index += 2
                        column += 2
                    }
                }
                continue
            case .normal:
                break
            }
            if scalar == " " || scalar == "\t" || scalar == "\r" { continue }
            if scalar == "#" {
                mode = .comment
                continue
            }
            let atElementStart = elementStart
            elementStart = false
            switch scalar {
            case "\"", "'":
                let triple = next(1) == scalar && next(2) == scalar
                mode = scalar == "\"" ? (triple ? .multiBasic : .basic) : (triple ? .multiLiteral : .literal)
                if triple {
                    index += 2
                    column += 2
                }
                expectingValue = false
            case "=":
                if nesting.last != .array { expectingValue = true }
            case "[":
                if expectingValue || (nesting.last == .array && atElementStart) {
                    nesting.append(.array)
                    elementStart = true
                }
                expectingValue = false
            case "{":
                if expectingValue || (nesting.last == .array && atElementStart) { nesting.append(.table) }
                expectingValue = false
            case "]":
                if nesting.last == .array { nesting.removeLast() }
            case "}":
                if nesting.last == .array && atElementStart { return (line, column) }
                if nesting.last == .table { nesting.removeLast() }
            case ",":
                if nesting.last == .array { elementStart = true }
            default:
                expectingValue = false
            }
        }
        return nil
    }
}
