import Foundation
import RelaisControlAPI
import RelaisCore

/// The relaisctl commands that ask the daemon over its socket. Each returns text and an
/// exit status; with `json`, the daemon's JSON as it came.
public struct ControlCommands: Sendable {
    public let client: ControlClient
    public let json: Bool

    public init(client: ControlClient, json: Bool) {
        self.client = client
        self.json = json
    }

    public func status() async -> CommandOutput {
        await read("/v1/status") { (status: StatusReply) in Self.render(status) }
    }

    /// `relaisctl status` as text: the daemon and its node, the queue, alerts, breakers, the
    /// outbox, and on a shared store the other nodes' claims and leases.
    static func render(_ status: StatusReply) -> String {
        var text =
            "relaisd \(status.version), pid \(status.pid), up \(Self.duration(status.uptimeSeconds))\(status.node.map { ", node \($0)" } ?? "")\n"
        text += "policy: \(status.policy.name) (sha256 \(status.policy.sha256.prefix(12))…), loaded \(status.configurationLoadedAt)\n"
        let states = ["queued", "booking", "deferred", "held", "uncertain", "booked", "failed"]
        text += "queue: " + states.map { "\($0) \(status.queue[$0] ?? 0)" }.joined(separator: ", ") + "\n"
        text += "orders waiting for aggregation: \(status.pendingOrders)\n"
        for alert in status.alerts ?? [] { text += "ALERT \(alert)\n" }
        text += "\n"
        var table = TextTable([("carrier", .left), ("breaker", .left)])
        for carrier in status.carriers { table.add([carrier.id, carrier.state + (carrier.reason.map { ": \($0)" } ?? "")]) }
        text += table.render()
        if let outbox = status.outbox, !outbox.isEmpty {
            text += "\noutbox:\n" + Self.endpointTable(outbox)
        }
        if let tracking = status.tracking, !tracking.isEmpty {
            text += "\ntracking: " + Self.trackingCounts(tracking) + "\n"
        }
        if let others = status.otherNodes {
            text += "\nother nodes:" + (others.isEmpty ? " none holding shipments\n" : "\n")
            var nodes = TextTable([("node", .left), ("booking", .right), ("lease until", .left)])
            for node in others {
                nodes.add([node.node, String(node.shipments), node.leaseUntil + (node.expired ? " (expired: taken over soon)" : "")])
            }
            if !others.isEmpty { text += nodes.render() }
        }
        return text
    }

    public func carriers() async -> CommandOutput {
        await read("/v1/carriers") { (carriers: [CarrierReply]) in
            var table = TextTable([
                ("carrier", .left), ("name", .left), ("breaker", .left), ("openings", .right), ("bookable", .left), ("services", .left),
            ])
            for carrier in carriers {
                table.add([
                    carrier.id, carrier.name, carrier.state, String(carrier.breakerOpenings), carrier.bookable ? "yes" : "no",
                    carrier.services.joined(separator: ", "),
                ])
            }
            return table.render()
        }
    }

    public func shipments(state: String?, carrier: String?, limit: Int?) async -> CommandOutput {
        var query: [String] = []
        if let state { query.append("state=\(Self.escape(state))") }
        if let carrier { query.append("carrier=\(Self.escape(carrier))") }
        if let limit { query.append("limit=\(limit)") }
        return await read("/v1/shipments" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))) { (list: ShipmentListReply) in
            guard !list.shipments.isEmpty else { return "no shipments\n" }
            var table = TextTable([
                ("shipment", .left), ("state", .left), ("carrier/service", .left), ("tracking", .left), ("price", .right),
                ("ETA", .left), ("orders", .right), ("reason", .left),
            ])
            for shipment in list.shipments {
                table.add([
                    shipment.id, shipment.state,
                    shipment.carrier.map { "\($0)/\(shipment.service ?? "?")" } ?? "-",
                    shipment.trackingNumber ?? "-",
                    shipment.price.map { "\($0) \(shipment.currency ?? "")" } ?? "-",
                    shipment.eta ?? "-", String(shipment.orders.count),
                    shipment.state == "booked" ? "" : String((shipment.reason ?? "").prefix(60)),
                ])
            }
            return table.render()
        }
    }

    public func show(id: String) async -> CommandOutput {
        await read("/v1/shipments/\(Self.escape(id))") { (shipment: ShipmentReply) in
            var lines: [(String, String)] = [
                ("shipment", shipment.id), ("state", shipment.state), ("orders", shipment.orders.joined(separator: ", ")),
                ("site", shipment.site),
                ("carrier", shipment.carrier.map { "\($0)/\(shipment.service ?? "?")" } ?? "-"),
                ("tracking", shipment.trackingNumber ?? "-"),
                ("price", shipment.price.map { "\($0) \(shipment.currency ?? "")" } ?? "-"),
                ("ETA (promised)", (shipment.eta ?? "-") + (shipment.late ? " (late against the promise)" : "")),
                ("CO2e", shipment.co2eGrams.map { "\(String(format1: $0)) g (well-to-wheel)" } ?? "-"),
                ("label", shipment.labelPath ?? "-"),
            ]
            if let tracked = shipment.tracking {
                let event = tracked.event.map { " (\($0.code)\($0.label.map { " \($0)" } ?? ""))" } ?? ""
                lines.append(("tracking status", (tracked.status ?? "no event yet") + (tracked.statusAt.map { " since \($0)" } ?? "") + event))
            }
            if let ghg = shipment.ghg { lines += Self.ghgLines(ghg) }
            if let reason = shipment.reason { lines.append(("reason", reason)) }
            if let next = shipment.nextAttemptAt { lines.append(("next attempt", next)) }
            lines.append(("created", shipment.createdAt))
            lines.append(("updated", shipment.updatedAt))
            let width = lines.map(\.0.count).max() ?? 0
            var text = lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
            let attempts = shipment.attempts ?? []
            if !attempts.isEmpty {
                var table = TextTable([
                    ("started", .left), ("carrier/service", .left), ("outcome", .left), ("class", .left), ("HTTP", .right),
                    ("ms", .right), ("detail", .left),
                ])
                for attempt in attempts {
                    table.add([
                        attempt.startedAt, "\(attempt.carrier)/\(attempt.service)", attempt.outcome ?? "-",
                        attempt.failureClass ?? "-", attempt.httpStatus.map(String.init) ?? "-",
                        attempt.durationMilliseconds.map(String.init) ?? "-", String((attempt.detail ?? "").prefix(70)),
                    ])
                }
                text += "\nattempts:\n" + table.render(indent: "  ")
            }
            return text
        }
    }

    /// The GHG information owed to the customer (Code des transports L1431-3).
    static func ghgLines(_ ghg: GHGReply) -> [(String, String)] {
        var distance = "-"
        if let km = ghg.distanceKm {
            distance = "\(String(format1: km)) km (\(ghg.distanceBasis ?? "?"))"
            if let tkm = ghg.tonneKm { distance += ", \(String(format: "%.3f", tkm)) t·km" }
        }
        return [
            ("GHG (L1431-3)", "\(String(format: "%.3f", ghg.co2eKg)) kg CO2e, data quality level \(ghg.dataQuality)"),
            ("  distance", distance),
            ("  method", ghg.method),
        ]
    }

    public func explain(id: String) async -> CommandOutput {
        await read("/v1/shipments/\(Self.escape(id))/decision") { (record: DecisionRecord) in DecisionTable.render(record) }
    }

    /// Submits order files through `POST /v1/orders`, one request per file.
    public func submit(files: [String]) async -> CommandOutput {
        var output = CommandOutput()
        for file in files {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: file))
            } catch {
                output.stderr += "\(file): cannot read: \(error.localizedDescription)\n"
                output.status = .cannotRun
                continue
            }
            let reply: ControlClient.Reply
            do {
                reply = try await client.post("/v1/orders", body: data)
            } catch {
                return Self.unreachable(error, into: output)
            }
            guard reply.status == 200 || reply.status == 422, let result = try? reply.decode(SubmitReply.self) else {
                output.stderr += "\(file): \(reply.errorReason)\n"
                output.status = Self.status(for: reply.status)
                continue
            }
            if json {
                output.stdout += String(decoding: reply.body, as: UTF8.self)
            } else {
                output.stdout += "\(file): \(result.accepted.count) accepted, \(result.duplicates.count) already recorded, \(result.conflicts.count) conflicting, \(result.rejected.count) rejected\n"
            }
            for conflict in result.conflicts {
                output.stderr += "\(file): order \(conflict): same id, different content: refused (the first version stays)\n"
            }
            for rejected in result.rejected {
                let who = rejected.id.map { "order \($0)" } ?? "order #\(rejected.position)"
                for problem in rejected.problems { output.stderr += "\(file): \(who): \(problem)\n" }
            }
            for warning in result.warnings { output.stderr += "\(file): warning: \(warning)\n" }
            if reply.status == 422 { output.status = .invalid }
        }
        return output
    }

    /// `hold`, `release`, `retry`, `requeue` or `fail` one shipment.
    public func act(_ action: String, id: String) async -> CommandOutput {
        await write("/v1/shipments/\(Self.escape(id))/\(action)") { (reply: ActionReply) in
            "\(reply.id): \(reply.previousState) → \(reply.state)\n"
        }
    }

    /// `cancel` one shipment (SPEC §14): done (0), refused (1, saying why), or not yet
    /// (4: pending at the carrier, or the carrier did not answer; never reported done).
    public func cancel(id: String) async -> CommandOutput {
        let reply: ControlClient.Reply
        do {
            reply = try await client.post("/v1/shipments/\(Self.escape(id))/cancel")
        } catch {
            return Self.unreachable(error, into: CommandOutput())
        }
        switch reply.status {
        case 200, 202:
            let status: ExitStatus = reply.status == 200 ? .success : .notYet
            if json { return CommandOutput(stdout: String(decoding: reply.body, as: UTF8.self), status: status) }
            guard let result = try? reply.decode(ActionReply.self) else {
                return CommandOutput(stderr: "relaisctl: unexpected reply from relaisd\n", status: .cannotRun)
            }
            if let pending = result.pending {
                return CommandOutput(stdout: "\(result.id): \(result.state), cancel pending: \(pending)\n", status: status)
            }
            return CommandOutput(stdout: "\(result.id): \(result.previousState) → \(result.state)\n", status: status)
        case 503:
            return CommandOutput(stderr: "relaisctl: \(reply.errorReason)\n", status: .notYet)
        default:
            return CommandOutput(stderr: "relaisctl: \(reply.errorReason)\n", status: Self.status(for: reply.status))
        }
    }

    public func reload() async -> CommandOutput {
        let reply: ControlClient.Reply
        do {
            reply = try await client.post("/v1/reload")
        } catch {
            return Self.unreachable(error, into: CommandOutput())
        }
        guard let result = try? reply.decode(ReloadReply.self) else {
            return CommandOutput(stderr: "reload: \(reply.errorReason)\n", status: Self.status(for: reply.status))
        }
        if json { return CommandOutput(stdout: String(decoding: reply.body, as: UTF8.self), status: result.applied ? .success : .invalid) }
        if result.applied {
            var text = "reloaded: policy \(result.policy.name) (sha256 \(result.policy.sha256.prefix(12))…), carriers \(result.carriers.joined(separator: ", "))\n"
            if !result.needsRestart.isEmpty { text += "changed but applied only at a restart: \(result.needsRestart.joined(separator: ", "))\n" }
            return CommandOutput(stdout: text)
        }
        return CommandOutput(
            stderr: "reload refused; the previous configuration stays in force:\n" + result.problems.map { "  \($0)\n" }.joined(),
            status: .invalid)
    }

    /// `quote` through the daemon: the policy and panel in force, today's allocations.
    public func quote(file: String) async -> CommandOutput {
        let reply: ControlClient.Reply
        switch await post(file: file, to: "/v1/quote") {
        case .answered(let answer): reply = answer
        case .failed(let output): return output
        }
        guard reply.status == 200 || reply.status == 422, let result = try? reply.decode(QuoteReply.self) else {
            return CommandOutput(stderr: "quote: \(reply.errorReason)\n", status: Self.status(for: reply.status))
        }
        var output = CommandOutput()
        output.stdout =
            json ? String(decoding: reply.body, as: UTF8.self) : result.decisions.map { DecisionTable.render($0) }.joined(separator: "\n")
        for rejected in result.rejected {
            let who = rejected.id.map { "order \($0)" } ?? "order #\(rejected.position)"
            for problem in rejected.problems { output.stderr += "\(file): \(who): \(problem)\n" }
        }
        if !result.rejected.isEmpty { output.status = .invalid }
        return output
    }

    // MARK: Plumbing

    func read<Value: Decodable>(_ path: String, render: (Value) -> String) async -> CommandOutput {
        await exchange(path, post: false, render: render)
    }

    func write<Value: Decodable>(_ path: String, render: (Value) -> String) async -> CommandOutput {
        await exchange(path, post: true, render: render)
    }

    private func exchange<Value: Decodable>(_ path: String, post: Bool, render: (Value) -> String) async -> CommandOutput {
        let reply: ControlClient.Reply
        do {
            reply = post ? try await client.post(path) : try await client.get(path)
        } catch {
            return Self.unreachable(error, into: CommandOutput())
        }
        guard reply.status == 200 else {
            return CommandOutput(stderr: "relaisctl: \(reply.errorReason)\n", status: Self.status(for: reply.status))
        }
        if json { return CommandOutput(stdout: String(decoding: reply.body, as: UTF8.self)) }
        do {
            return CommandOutput(stdout: render(try reply.decode(Value.self)))
        } catch {
            return CommandOutput(stderr: "relaisctl: unexpected reply from relaisd: \(error)\n", status: .cannotRun)
        }
    }

    static func unreachable(_ error: any Error, into output: CommandOutput) -> CommandOutput {
        var output = output
        output.stderr += "relaisctl: \(error)\n"
        output.status = (error as? ControlClient.Unreachable)?.forbidden == true ? .forbidden : .cannotRun
        return output
    }

    /// 403 → not permitted; other 4xx → invalid or refused; 5xx → cannot run.
    static func status(for http: Int) -> ExitStatus {
        switch http {
        case 403: .forbidden
        case 400..<500: .invalid
        default: .cannotRun
        }
    }

    static func escape(_ component: String) -> String {
        component.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?&="))) ?? component
    }

    static func duration(_ seconds: Int) -> String {
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return "\(seconds / 60)m\(seconds % 60)s" }
        if seconds < 86_400 { return "\(seconds / 3600)h\(seconds % 3600 / 60)m" }
        return "\(seconds / 86_400)d\(seconds % 86_400 / 3600)h"
    }
}

extension ControlCommands {
    /// A file's bytes posted to `path`, or the output that says why not (unreadable file,
    /// daemon unreachable).
    enum Posted {
        case answered(ControlClient.Reply)
        case failed(CommandOutput)
    }

    func post(file: String, to path: String) async -> Posted {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            return .failed(CommandOutput(stderr: "\(file): cannot read: \(error.localizedDescription)\n", status: .cannotRun))
        }
        do {
            return .answered(try await client.post(path, body: data))
        } catch {
            return .failed(Self.unreachable(error, into: CommandOutput()))
        }
    }
}
