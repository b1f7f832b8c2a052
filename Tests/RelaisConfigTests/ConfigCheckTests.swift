import Foundation
import Testing
@testable import RelaisConfig
@testable import RelaisCore

@Suite struct ConfigCheckTests {
    func check(_ workspace: Workspace) -> ConfigCheck.Report {
        ConfigCheck.run(
            configFile: workspace.path("relais.toml"), carriersDirectory: workspace.path("carriers"),
            policiesDirectory: workspace.path("policies"))
    }

    @Test func theShippedFilesAreClean() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let report = check(workspace)
        #expect(report.diagnostics.isEmpty, "\(report.diagnostics)")
        #expect(report.carriers.map(\.carrier.id) == ["chronopost", "colissimo", "dpd", "mondialrelay", "velocite"])
        #expect(report.carriers.reduce(0) { $0 + $1.carrier.services.count } == 12)  // Colissimo's return service (CORE) included
        #expect(report.policies.map(\.name).sorted() == ["default", "express-first", "low-carbon"])
        #expect(report.config?.sites.map(\.id) == ["lyon-dc", "paris-store", "lille-store"])
        #expect(report.config?.site(id: "lille-store")?.cutoff == TimeOfDay("16:00"))
    }

    /// One broken file each: (file, text to find, replacement, words the message must hold).
    /// The expected line is where the replacement stands, unless the case gives one.
    @Test(arguments: [
        ("policies/default.toml", "per_day = 0.60", "per_day = = 0.60", "TOML syntax", nil),
        ("policies/default.toml", "carrier = \"colissimo\"", "carrier = \"colisimo\"", "unknown carrier 'colisimo'", nil),
        ("policies/default.toml", "exclude = []", "exclude = [\"dpd/EXPRESS\"]", "unknown service 'dpd/EXPRESS'", nil),
        ("policies/default.toml", "exclude = []", "exclude = [\"ups\"]", "unknown carrier 'ups'", nil),
        ("policies/default.toml", "per_kg_co2e = 0.10", "per_kg_co2e = -0.10", "negative price", nil),
        ("policies/default.toml", "currency = \"EUR\"", "currency = \"USD\"", "does not match the rates of", nil),
        ("policies/default.toml", "when_unmeetable = \"fastest\"", "when_unmeetable = \"fastest\"\nconfidense = \"p90\"", "unknown key 'confidense'", 19),
        ("policies/default.toml", "max_share = 0.60", "max_share = 1.60", "outside 0…1", nil),
        ("policies/default.toml", "when = { service_level = \"express\" }", "when = { service_level = \"urgent\" }", "'urgent' is not one of", nil),
        ("policies/default.toml", "per_day = 0.60", "per_day = \"0.60\"", "must be a number, found a string", nil),
        ("carriers/chronopost/carrier.toml", "CORSE = { p50 = 2, p90 = 3, p99 = 4 }, BENELUX", "CORSICA = { p50 = 2 }, BENELUX", "transit names unknown zone 'CORSICA'", nil),
        ("carriers/chronopost/carrier.toml", "default_km = { FR = 450, CORSE = 900", "default_km = { FR = 450, CORSICA = 900", "default_km names unknown zone 'CORSICA'", nil),
        ("carriers/chronopost/rates/chrono13.csv", "max_kg,FR,CORSE", "max_kg,FR,CORSICA", "unknown zone 'CORSICA'", nil),
        ("carriers/chronopost/rates/chrono13.csv", "\n2,8.90", "\n0.5,8.90", "weight bands must ascend", 3),
        ("carriers/chronopost/rates/chrono13.csv", "5,11.40", "5,-11.40", "negative price '-11.40'", nil),
        ("carriers/chronopost/rates/chrono13.csv", "10,15.50,24.40", "10,15.50", "expected 4 cells, found 3", nil),
        ("carriers/dpd/carrier.toml", "share = 0.30", "share = 1.30", "share 1.3 is outside 0…1", nil),
        ("carriers/chronopost/carrier.toml", "share = 0.6, g_per_parcel = 160", "share = 0.7, g_per_parcel = 160", "sum to 1.1, not 1", 23),
        ("carriers/chronopost/carrier.toml", "max_girth_cm = 300", "max_grith_cm = 300", "unknown key 'max_grith_cm'", nil),
        ("carriers/chronopost/carrier.toml", "max_weight_kg = 30", "max_weight_kg = \"30\"", "must be a number, found a string", nil),
        ("carriers/chronopost/carrier.toml", "cutoff = \"17:30\"", "cutoff = \"5pm\"", "must be a time HH:MM", nil),
        ("carriers/chronopost/carrier.toml", "calendar = \"FR\"", "calendar = \"XX\"", "unknown calendar 'XX'", nil),
        ("carriers/chronopost/carrier.toml", "CORSE = [\"FR-20*\"]", "CORSE = [\"FR\"]", "pattern 'FR' is in zone CORSE and zone FR", 12),
        ("carriers/chronopost/carrier.toml", "CORSE = [\"FR-20*\"]", "CORSE = [\"FR-20\"]", "not a destination pattern", nil),
        ("carriers/chronopost/carrier.toml", "id = \"chronopost\"", "id = \"chrono\"", "must match the carrier's folder name", nil),
        ("carriers/chronopost/carrier.toml", "code = \"86\"", "code = \"13\"", "service code '13' is declared twice", nil),
        ("carriers/velocite/carrier.toml", "error_message = \"error/message\"", "error_message = \"error/message\"\ntoken_refused = \"//x\"", "token_refused needs an [api.login] operation", 81),
        ("carriers/dpd/carrier.toml", "token_ttl_s = 86400", "token_ttl_s = 86400\ntoken_refused = \"//x\"", "token_refused applies to [api.book] and [api.lookup] only", 82),
        ("carriers/chronopost/carrier.toml", "DI1 = \"delivered\"", "DI1 = \"delivred\"", "'delivred' is not a status", nil),
        ("carriers/chronopost/carrier.toml", "event_code = \"code\"", "event_code = \"a//b\"", "empty step", nil),
        ("carriers/chronopost/carrier.toml", "event_label = \"eventLabel\"", "event_lable = \"eventLabel\"", "unknown key 'event_lable'", nil),
        ("carriers/mondialrelay/carrier.toml", "time_format = \"dd/MM/yy HH:mm\"", "time_format = \"dd/MM/yy HH:mm TZ\"", "is neither a token", nil),
        ("carriers/mondialrelay/carrier.toml", "time_zone = \"Europe/Paris\"", "time_zone = \"Europe/Lyon\"", "'Europe/Lyon' is not a time zone", nil),
        ("carriers/velocite/carrier.toml", "price = \"shipment/price\"", "price = \"shipment/price\"\nevents = \"x\"", "unknown key 'events' in [api.book]", 79),
        ("relais.toml", "timezone = \"Europe/Paris\"", "timezone = \"Europe/Lyon\"", "unknown time zone 'Europe/Lyon'", nil),
        ("relais.toml", "consolidation_window = \"0s\"", "consolidation_window = \"soon\"", "must be a duration", nil),
    ] as [(String, String, String, String, Int?)])
    func everyProblemIsReportedWithItsFileAndLine(file: String, find: String, replacement: String, message: String, line: Int?)
        throws
    {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let replacedLine = try workspace.replace(file, find, with: replacement)
        let report = check(workspace)
        #expect(report.hasErrors)
        let matching = report.diagnostics.filter { $0.file.hasSuffix(file) && $0.message.contains(message) }
        #expect(matching.count >= 1, "no '\(message)' in:\n\(report.diagnostics.map(\.description).joined(separator: "\n"))")
        #expect(matching.first?.line == (line ?? replacedLine), "\(matching)")
    }

    @Test func everyErrorIsReportedInOneRun() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.replace("carriers/dpd/carrier.toml", "max_weight_kg = 30", with: "max_weight_kg = -1")
        try workspace.replace("carriers/colissimo/rates/domicile.csv", "2,8.45", with: "2,8.451")
        try workspace.replace("policies/express-first.toml", "confidence = \"p99\"", with: "confidence = \"p95\"")
        let report = check(workspace)
        let files = Set(report.diagnostics.map { ($0.file as NSString).lastPathComponent })
        #expect(files == ["carrier.toml", "domicile.csv", "express-first.toml"], "\(report.diagnostics)")
    }

    @Test func aRuleMayNameOnlyConfiguredSites() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        let line = try workspace.replace(
            "policies/default.toml", "when = { weight_kg = { min = 20 } }", with: "when = { site = \"marseille\", weight_kg = { min = 20 } }")
        let report = check(workspace)
        let problem = report.diagnostics.first { $0.message.contains("site 'marseille' is not a [[site]]") }
        #expect(problem?.line == line)
    }

    @Test func theActivePolicyMustExist() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.replace("relais.toml", "active = \"default\"", with: "active = \"peak\"")
        #expect(check(workspace).diagnostics.contains { $0.message.contains("the active policy 'peak' has no file peak.toml") })
    }

    @Test func loadersThrowEveryDiagnostic() throws {
        let workspace = try Workspace()
        defer { workspace.remove() }
        try workspace.replace("carriers/dpd/carrier.toml", "data_quality = 2", with: "data_quality = 7")
        #expect(throws: ConfigError.self) { try PanelLoader.load(directory: workspace.path("carriers")) }
        do {
            _ = try PanelLoader.load(directory: workspace.path("carriers"))
        } catch {
            #expect(error.description.contains("carrier.toml:"))
            #expect(error.description.contains("'data_quality' = 7 is out of range: 1…4"))
        }
    }

    @Test func policiesLoadWithTheirHash() throws {
        let panel = try PanelLoader.load(directory: Workspace.repository.appendingPathComponent("carriers").path)
        let path = Workspace.repository.appendingPathComponent("policies/default.toml").path
        let policy = try PolicyLoader.load(file: path, panel: panel.panel)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(policy.sha256 == PolicyLoader.sha256Hex(bytes))
        #expect(policy.sha256.count == 64)
        #expect(policy.prices.perDay == PriceRate(0.6))
        #expect(policy.rules.map(\.name) == ["express orders", "Paris low-emission zone", "heavy shipments"])
        #expect(policy.allocations["colissimo"] == Allocation(carrier: "colissimo", maxShare: 0.6, dailyCap: 5000))
        // An integer where a number is expected is fine (TOMLKit's Codable would refuse it).
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "per_day = 0.60", with: "per_day = 1")
        #expect(try PolicyLoader.load(text: text, file: "p.toml", panel: panel.panel).prices.perDay == PriceRate(1))
    }

    @Test func sha256OfAKnownText() {
        #expect(PolicyLoader.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}

@Suite struct TOMLLineIndexTests {
    @Test func findsKeysTablesArraysAndElements() {
        let source = """
            # comment
            id = "x"
            [zones]
            FR = ["FR"]
            [[service]]
            code = "a"
            transit = { FR = { p50 = 1 } }
            [[service]]
            code = "b"
            [service.extra]
            deep = 1
            [fleet]
            last_mile = [ { vehicle = "a" },
                          { vehicle = "b" } ]
            note = \"\"\"
            fake = 1
            \"\"\"
            after = 2
            """
        let index = TOMLLineIndex(source: source)
        #expect(index.line(for: "id") == 2)
        #expect(index.line(for: "zones.FR") == 4)
        #expect(index.line(for: "service[0]") == 5)
        #expect(index.line(for: "service[0].code") == 6)
        #expect(index.line(for: "service[0].transit.FR.p50") == 7)  // falls back to the inline table's key
        #expect(index.line(for: "service[1].code") == 9)
        #expect(index.line(for: "service[1].extra.deep") == 11)
        #expect(index.line(for: "fleet.last_mile[0]") == 13)
        #expect(index.line(for: "fleet.last_mile[1]") == 14)
        #expect(index.line(for: "fleet.fake") == index.line(for: "fleet"))  // inside a string, not a key
        #expect(index.line(for: "fleet.after") == 18)
    }
}

@Suite struct DaemonConfigTests {
    @Test func defaultsForAnEmptyFile() throws {
        let config = try DaemonConfigLoader.load(text: "", file: "/etc/relais/relais.toml")
        #expect(config.paths.state == "/var/lib/relais")
        #expect(config.paths.socket == "/run/relais/relais.sock")
        #expect(config.activePolicy == "default")
        #expect(config.intake.consolidationWindowSeconds == 0)
        #expect(config.intake.maxFileBytes == 16 << 20)
        #expect(config.control.operatorGroup == "relais")
        #expect(config.sites.isEmpty)
    }

    @Test func relativePathsAreTakenFromTheConfigDirectory() throws {
        let config = try DaemonConfigLoader.load(
            text: "[paths]\nstate = \"state\"\ncarriers = \"/srv/carriers\"\n[intake]\nconsolidation_window = \"1h30m\"\n",
            file: "/opt/relais/relais.toml")
        #expect(config.paths.state == "/opt/relais/state")
        #expect(config.paths.carriers == "/srv/carriers")
        #expect(config.intake.consolidationWindowSeconds == 5400)
    }

    @Test func storeDefaultsToSQLiteAndReadsPostgreSQLSettings() throws {
        #expect(try DaemonConfigLoader.load(text: "", file: "/etc/relais/relais.toml").store == nil)
        let config = try DaemonConfigLoader.load(
            text: "[store]\nurl = \"postgres://relais@db.example:5432/relais\"\ncredentials = \"postgres\"\n",
            file: "/etc/relais/relais.toml")
        #expect(config.store?.url == "postgres://relais@db.example:5432/relais")
        #expect(config.store?.credentials == "postgres")
        #expect(config.store?.node == nil)
        #expect(config.store?.leaseSeconds == 60)
        let named = try DaemonConfigLoader.load(
            text: "[store]\nurl = \"postgres://relais@/relais?host=/run/postgresql\"\nnode = \"lyon-1\"\nlease = \"2m\"\n",
            file: "/etc/relais/relais.toml")
        #expect(named.store?.node == "lyon-1" && named.store?.leaseSeconds == 120)
    }

    @Test(arguments: [
        ("url = \"postgres://relais:secret@db/relais\"", 2, "must not hold a password"),
        ("url = \"mysql://relais@db/relais\"", 2, "must be a postgres:// URL"),
        ("url = \"postgres://relais@db\"", 2, "names no database"),
        ("url = \"postgres://relais@db/relais\"\nlease = \"1s\"", 3, "at least 3s"),
        ("url = \"postgres://relais@db/relais\"\ncredentials = \"../pw\"", 3, "a file name in the credentials directory"),
        ("node = \"a\"", 1, "needs 'url'"),
    ])
    func storeProblemsNameTheirLine(_ body: String, _ line: Int, _ message: String) {
        do {
            _ = try DaemonConfigLoader.load(text: "[store]\n\(body)\n", file: "/etc/relais/relais.toml")
            Issue.record("'\(body)' must be refused")
        } catch {
            let found = error.diagnostics.first { $0.message.contains(message) }
            #expect(found?.file == "/etc/relais/relais.toml", "\(error.diagnostics)")
            #expect(found?.line == line, "\(error.diagnostics)")
        }
    }

    @Test func trackingDefaultsAndSettings() throws {
        let defaults = try DaemonConfigLoader.load(text: "", file: "/etc/relais/relais.toml").tracking
        #expect(defaults.enabled && defaults.everySeconds == 7200 && defaults.outForDeliveryEverySeconds == 1200)
        #expect(defaults.maxAgeSeconds == 60 * 86_400 && defaults.batch == 256)
        let set = try DaemonConfigLoader.load(
            text: "[tracking]\nevery = \"1h\"\nout_for_delivery_every = \"10m\"\nmax_age = \"30d\"\nbatch = 50\n",
            file: "/etc/relais/relais.toml"
        ).tracking
        #expect(set.everySeconds == 3600 && set.outForDeliveryEverySeconds == 600 && set.maxAgeSeconds == 30 * 86_400 && set.batch == 50)
        #expect(set.schedule.nearDeliveryEvery == .seconds(600))
        do {
            _ = try DaemonConfigLoader.load(text: "[tracking]\nevery = \"often\"\n", file: "/etc/relais/relais.toml")
            Issue.record("'often' accepted")
        } catch {
            #expect(error.diagnostics.first?.line == 2 && error.diagnostics.first?.message.contains("positive duration") == true)
        }
    }
}

/// Found by fuzzing (FUZZING.md): toml++ stopped the process on an assertion when a table
/// header started with a character outside ASCII, so `[é]` in a policy took relaisd down on
/// SIGHUP instead of being refused.
@Suite struct NonASCIITableHeaderTests {
    @Test(arguments: [
        "[é]\nname = \"x\"\n", "[[ é ]]\nname = \"x\"\n", "name = \"x\"\n\n[\u{FFFD}cy]\n", "[[/rule]]\nname = \"x\"\n",
        "[`api]\nname = \"x\"\n", "[]\nname = \"x\"\n",
    ])
    func aHeaderStartingOutsideASCIIIsRefusedWithItsLine(text: String) throws {
        #expect(throws: ConfigError.self) { try TOMLDocument(text: text, file: "p.toml") }
        do {
            _ = try TOMLDocument(text: text, file: "p.toml")
        } catch {
            let line = text.hasPrefix("name") ? 3 : 1
            #expect(error.description.hasPrefix("p.toml:\(line): TOML syntax: a table name cannot "), "\(error)")
        }
    }

    /// Found by fuzzing the release build: `[` and a combining mark are one Swift
    /// `Character`, so a scanner of `Character`s saw no header in `[\u{325}` (and lost
    /// track of strings and arrays opened by a quote or bracket carrying one).
    @Test(arguments: [
        ("[\u{325}", 1, 2), ("[\u{325}]\nname = \"x\"\n", 1, 2), ("[[\u{301}a]]\n", 1, 3),
        ("a = [\"\u{301}x\", 1]\n[é]\n", 2, 2), ("a = \"\u{301}\"\nb = [\n  1,\n]\n[/x]\n", 5, 2),
    ])
    func aHeaderAfterACombiningMarkIsRefusedWithItsLine(text: String, line: Int, column: Int) {
        do {
            _ = try TOMLDocument(text: text, file: "p.toml")
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect(error.description.hasPrefix("p.toml:\(line): TOML syntax: a table name cannot "), "\(error)")
            #expect(error.description.contains("(column \(column))"), "\(error)")
        }
    }

    /// Found by CI's short fuzzing run: toml++ skips a leading byte order mark, the header
    /// check did not, so `[` after it went unchecked into toml++'s assertion.
    @Test(arguments: ["\u{FEFF}[\u{A7}", "\u{FEFF}[\u{FFFD}]\nname = \"x\"\n", "\u{FEFF}[[é]]\n", "\u{FEFF}[]\n"])
    func aHeaderAfterAByteOrderMarkIsRefusedWithItsLine(text: String) {
        do {
            _ = try TOMLDocument(text: text, file: "p.toml")
            Issue.record("accepted: \(text.debugDescription)")
        } catch {
            #expect(error.description.hasPrefix("p.toml:1: TOML syntax: a table name cannot "), "\(error)")
        }
    }

    /// And only one: after a second mark, toml++ reads the first line's whitespace and
    /// refuses it, so the header behind it never reaches the assertion (the first fix
    /// dropped one mark and let toml++ skip the second: fuzzing found that too).
    @Test(arguments: ["\u{FEFF}\u{FEFF}[\u{FFFD}\n\u{FFFD}[\u{FFFD}\n", "\u{FEFF}\u{FEFF}[é]\n", "\u{FEFF}\u{FEFF}[[/a]]\n"])
    func aSecondByteOrderMarkIsRefused(text: String) {
        #expect(throws: ConfigError.self) { try TOMLDocument(text: text, file: "p.toml") }
    }

    @Test func aByteOrderMarkBeforeAValidFileIsSkipped() throws {
        let document = try TOMLDocument(text: "\u{FEFF}[policy]\nname = \"x\"\n", file: "p.toml")
        #expect(document.root["policy"] != nil)
        #expect(document.lines.line(for: "policy.name") == 2)
    }

    @Test func nonASCIIInStringsCommentsAndLaterInAHeaderStaysFine() throws {
        let text = """
            # Politique « défaut » — été
            [policy]
            name = "défaut"
            note = \"\"\"
            [é] in a multi-line string
            \"\"\"
            ["é-quoted"]
            x = 1
            """
        let document = try TOMLDocument(text: text, file: "p.toml")
        #expect(document.root["policy"] != nil)
        // Later in a header, toml++ reports it itself.
        #expect(throws: ConfigError.self) { try TOMLDocument(text: "[a.é]\n", file: "p.toml") }
    }
}

/// Found by fuzzing (FUZZING.md): a `}` where an array element should start made toml++ stop
/// the process on an assertion (`parse_value()`), in a policy as in a carrier.toml.
@Suite struct MisplacedBraceTests {
    @Test(arguments: [
        ("a = [}\n", 1, 6), ("x = 1\na = [1, }\n", 2, 9), ("a = { b = [\"x\",}\n", 1, 16), ("a = [{}, }\n", 1, 10),
        ("a = [[1],}\n", 1, 10), ("a = [ # c\n}\n", 2, 1), ("s = \"\"\"\n[}\n\"\"\"\nb = [\n  1,\n}\n", 6, 1),
    ])
    func isRefusedWithItsLineAndColumn(text: String, line: Int, column: Int) throws {
        do {
            _ = try TOMLDocument(text: text, file: "p.toml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description == "p.toml:\(line): TOML syntax: expected a value or the array's closing ']', saw '}' (column \(column))")
        }
    }

    @Test func bracesInStringsCommentsAndInlineTablesAreFine() throws {
        let text = """
            a = [ { b = 1 }, { c = "}" } ]  # }
            d = { e = [1, 2], f = '[}' }
            g = \"\"\"
            [}
            \"\"\"
            h = [
              "x", # [}
              'y',
            ]
            """
        #expect(TOMLBraceCheck.misplacedBrace(in: text) == nil)
        _ = try TOMLDocument(text: text, file: "p.toml")
    }
}

/// TOMLKit never frees what it parses (FUZZING.md), so a reload must not parse again the
/// files it did not change: the soak's SIGHUP every 41 seconds cost 74 KB each.
@Suite struct UnchangedFileTests {
    @Test func aFileReadAgainUnchangedIsNotParsedAgain() throws {
        let file = "unchanged-\(UUID().uuidString).toml"
        let first = try TOMLDocument(text: "[policy]\nname = \"a\"\n", file: file)
        let again = try TOMLDocument(text: "[policy]\nname = \"a\"\n", file: file)
        #expect(again.parseNumber == first.parseNumber)
        let changed = try TOMLDocument(text: "[policy]\nname = \"b\"\n", file: file)
        #expect(changed.parseNumber != first.parseNumber)
        guard case .table(let policy) = changed.root["policy"], case .string(let name) = policy["name"] else {
            Issue.record("no policy.name in \(changed.root)")
            return
        }
        #expect(name == "b")
        // The same text under another name is that file's own document, with its name in errors.
        let elsewhere = try TOMLDocument(text: "[policy]\nname = \"b\"\n", file: file + ".copy")
        #expect(elsewhere.parseNumber != changed.parseNumber)
        #expect(elsewhere.file == file + ".copy")
    }

    @Test func aRefusedFileIsRefusedAgainWithItsError() {
        let file = "refused-\(UUID().uuidString).toml"
        for _ in 0..<2 {
            #expect(throws: ConfigError.self) { try TOMLDocument(text: "a = [}\n", file: file) }
        }
    }
}
