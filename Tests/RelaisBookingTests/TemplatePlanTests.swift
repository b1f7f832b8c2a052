import Foundation
import Testing
@testable import RelaisCarriers
@testable import RelaisConfig
import RelaisCore

/// A template rendered through its plans (``TemplatePlan``) is byte for byte what Mustache
/// renders, whatever shape of context comes after whichever.
struct TemplatePlanTests {
    /// Every request template of every shipped carrier, for bookings of every shape and the
    /// other operations' contexts, each twice and one shape after another.
    @Test func everyShippedTemplateRendersAsMustacheDoes() {
        var contexts: [TemplateContext] = []
        for carrier in Fixtures.panel.carriers.map(\.carrier.id) {
            let credentials = Fixtures.credentials(carrier)
            for (index, shape) in Self.bookings.enumerated() {
                var shipment = Fixtures.shipment(
                    id: "S-\(index)", name: shape.name, relayPoint: shape.relay, parcels: shape.parcels)
                if shape.returned { shipment.direction = .return }
                if shape.valued { shipment.value = OrderValue(amount: Money(minorUnits: 12_345), currency: "EUR") }
                contexts.append(
                    TemplateContext(
                        booking: .init(reference: "S-\(index)", service: "13", shipment: shipment, now: 1_795_425_300),
                        credentials: credentials, token: index.isMultiple(of: 2) ? nil : "tok<\(index)>"))
            }
            contexts.append(TemplateContext(reference: "S-1", credentials: credentials, token: "t"))
            contexts.append(TemplateContext(reference: nil, credentials: credentials, token: nil, trackingNumber: "TN&1"))
            contexts.append(TemplateContext(trackingNumber: "6A123", credentials: credentials, token: nil))
            for parcels in [0, 1, 3] {
                contexts.append(
                    TemplateContext(
                        manifest: "M-1", pickupDate: "2026-11-30",
                        parcels: (0..<parcels).map { ("TN\($0)", "S-\($0)", 1.5) }, credentials: credentials, token: "t"))
            }
        }
        var templates = 0
        for entry in Fixtures.panel.carriers {
            for operation in entry.api?.operations.values.sorted(by: { $0.name < $1.name }) ?? [] {
                for template in [operation.body].compactMap({ $0 }) + operation.headers.values {
                    templates += 1
                    for round in 0..<2 {
                        for var context in contexts {
                            if let signature = operation.signature { context.sign(signature) }
                            #expect(
                                template.render(context.root) == template.compiled.render(context.root),
                                "\(entry.carrier.id) \(operation.name) \(template.file), round \(round)")
                        }
                    }
                    #expect(template.plans.count > 0, "\(template.file) made no plan")
                }
            }
        }
        #expect(templates >= 12)
    }

    /// Templates that use what carrier templates seldom do: sections over texts, flags and
    /// lists, names found further up, transforms, the position in a list, a printed table.
    @Test func everyWayOfUsingAValueRendersAsMustacheDoes() throws {
        let texts = [
            "[{{v}}]{{#v}}<s>{{.}}/{{w}}/{{n.x}}</s>{{/v}}{{^v}}no v{{/v}}{{#e}}<e>{{.}}</e>{{/e}}{{^e}}no e{{/e}}",
            "{{#n}}<n>{{x}}{{v}}</n>{{/n}}{{^n}}no n{{/n}}{{#l}}<l>{{y}}{{v}}{{#n}}{{x}}{{/n}}</l>{{/l}}{{^l}}empty{{/l}}",
            "{{#f}}yes{{/f}}{{^f}}no{{/f}}={{f}}",
            "{{count(l)}}:{{#reversed(l)}}{{y}},{{/reversed(l)}}:{{#l}}{{#first()}}F{{/first()}}{{y}}{{#last()}}L{{/last()}}{{/l}}",
            "{{#v}}{{uppercased(.)}}{{/v}}{{uppercased(v)}}{{.n.x}}",
            "{{#n}}{{.}}{{/n}}|{{n.x}}",
            "<a>\n  {{#l}}\n  <i>{{y}}</i>\n  {{/l}}\n</a>\n{{! a comment }}\n",
        ]
        let templates = try texts.enumerated().map { try CarrierOperation.Template(file: "t\($0)", text: $1) }
        var contexts: [TemplateTable] = []
        for values in ["a<b", "", "Zoë & 'Loïc' \"é\u{301}\" &\u{301}"] {
            for items in [0, 1, 3] {
                for nested in [false, true] {
                    var root: TemplateTable = [
                        "v": .text(values), "w": .text("w'"), "e": .text(""), "f": .flag(items > 0),
                        "l": .list((0..<items).map { item in
                            item == 1 ? ["y": .text("\(item)&"), "n": .table(["x": .text("inner")])] : ["y": .text("\(item)")]
                        }),
                    ]
                    if nested { root["n"] = .table(["x": .text("X&")]) }
                    if values.isEmpty { root["v"] = nil }
                    contexts.append(root)
                }
            }
        }
        for template in templates {
            for round in 0..<2 {
                for context in contexts {
                    #expect(template.render(context) == template.compiled.render(context), "\(template.text), round \(round)")
                }
            }
        }
    }

    /// One plan a shape: the second context of a shape renders through the first one's plan.
    @Test func aShapeIsPlannedOnce() throws {
        let template = try CarrierOperation.Template(file: "t", text: "{{#l}}<i>{{w}}</i>{{/l}}{{#r}}<r>{{r}}</r>{{/r}}")
        for index in 0..<10 {
            var root: TemplateTable = ["l": .list([["w": .text("\(index)")]])]
            if index.isMultiple(of: 2) { root["r"] = .text("R\(index)") }
            let expected = "<i>\(index)</i>" + (index.isMultiple(of: 2) ? "<r>R\(index)</r>" : "")
            #expect(template.render(root) == expected)
        }
        #expect(template.plans.count == 2)
    }

    /// What a plan could not render as Mustache does is left to Mustache.
    @Test func templatesAPlanCouldGetWrongAreNotPlanned() throws {
        #expect(TemplatePlan.allows("<a>{{v}}</a>{{#l}}{{x}}{{/l}}"))
        // A block indents by whether each value rendered empty; partials and parents are blocks' kin.
        for text in ["<a>\n  {{$b}}\n  {{v}}\n  {{/b}}\n</a>", "{{> p}}", "{{<p}}{{/p}}", "a\u{E000}0&\u{E001}"] {
            #expect(!TemplatePlan.allows(text), "\(text)")
        }
        let blocks = try CarrierOperation.Template(file: "t", text: "<a>\n  {{$b}}\n  {{v}}\n  {{w}}\n  {{/b}}\n</a>")
        for root: TemplateTable in [["v": .text(""), "w": .text("w")], ["v": .text("v\n"), "w": .text("w")]] {
            #expect(blocks.render(root) == blocks.compiled.render(root))
        }
        #expect(blocks.plans.count == 0)
        // A table printed by `{{.}}`: a plan is kept for the shape, with no pieces.
        let printed = try CarrierOperation.Template(file: "t", text: "{{#n}}{{.}}{{/n}}")
        let root: TemplateTable = ["n": .table(["x": .text("1")])]
        #expect(printed.render(root) == printed.compiled.render(root))
        #expect(printed.render(root) == printed.compiled.render(root))
        #expect(TemplatePlan(recording: printed.compiled, root).pieces == nil)
    }

    private static let bookings:
        [(name: String, relay: String?, parcels: Int, returned: Bool, valued: Bool)] = [
            ("Camille Martin", nil, 1, false, false), ("Zoë & <Loïc>", "P75011", 1, false, true),
            ("é\u{301}'\"", nil, 3, false, false), ("", "075011", 2, true, true), ("Camille", nil, 1, true, false),
            ("Camille Martin", "", 1, false, false),
        ]
}
