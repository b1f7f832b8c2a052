import ArgumentParser
import Foundation
import RelaisBooking
import RelaisCommands
import RelaisCore
import RelaisSandbox
import Synchronization

/// `relaisd --demo`: the repository's panel and policies, relais-sandbox in-process as the
/// carriers, state in `./.relais/`, sample orders dropped into the spool every few
/// seconds, a progress line every three. Runs until Ctrl-C.
enum Demo {
    static func run() async throws {
        let root = FileManager.default.currentDirectoryPath
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox(carriersDirectory: (root as NSString).appendingPathComponent("carriers"))
        } catch {
            write("relaisd --demo: run it from the repository root (\(error))\n", fd: 2)
            throw ExitCode(2)
        }
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await sandbox.run(port: 0) { continuation.yield($0) } }
            var iterator = urls.makeAsyncIterator()
            guard let url = await iterator.next() else { return }
            let configFile: String
            do {
                configFile = try DemoSetup.prepare(root: root, sandboxURL: url)
            } catch {
                write("relaisd --demo: \(error)\n", fd: 2)
                throw ExitCode(2)
            }
            sandbox.oms.setSecrets(DemoSetup.omsSecrets(root: root))
            let socket = (root as NSString).appendingPathComponent(".relais/relais.sock")
            write(
                """
                relaisd demo: carriers \(sandbox.carrierIDs.joined(separator: ", ")) played by relais-sandbox at \(url)
                configuration: \(configFile)
                sample orders are dropped into .relais/spool/new every 10 s; Ctrl-C stops.
                in another terminal:
                  export RELAIS_SOCKET=\(socket)
                  swift run relaisctl status
                  swift run relaisctl shipments --state booked
                  swift run relaisctl show <shipment id>      # explain <id> for the decision
                  swift run relaisctl quote samples/order.json
                  swift run relaisctl webhooks                # the OMS (relais-sandbox) verifies each signature
                  swift run relaisctl outbox                  # events: .relais/spool/out/*.json too
                  curl --unix-socket \(socket) http://localhost/metrics

                """, fd: 1)
            let feeder = SampleFeeder(samples: (root as NSString).appendingPathComponent("samples/orders.ndjson"))
            var extras = Daemon.Extras()
            extras.beforeIntake = { spool in feeder.feedIfDue(spool: spool) }
            let lastLine = Mutex("")
            extras.progress = { queue, statistics in
                let mean = statistics.booked > 0 ? statistics.bookedLatencyTotal / Int64(statistics.booked) : 0
                let line = "progress: \(queue); booked since start \(statistics.booked) (mean \(mean) ms claim→booked), sandbox ledger \(sandbox.ledger.count); OMS webhooks verified \(sandbox.oms.accepted)"
                // Only news: an idle demo stays quiet between batches.
                let changed = lastLine.withLock { last in
                    defer { last = line }
                    return last != line
                }
                if changed { write(line + "\n", fd: 1) }
            }
            try await Daemon.run(configFile: configFile, extras: extras)
            group.cancelAll()
        }
    }
}

/// Drops the sample orders into the spool with fresh ids, now and every `interval` seconds,
/// the way an OMS would: written in `tmp/`, renamed into `new/`.
final class SampleFeeder: Sendable {
    let samples: String
    let interval: TimeInterval
    private let last = Mutex<(at: Date, batch: Int)?>(nil)

    init(samples: String, interval: TimeInterval = 10) {
        self.samples = samples
        self.interval = interval
    }

    func feedIfDue(spool: String) {
        let batch: Int? = last.withLock { last in
            if let previous = last, Date().timeIntervalSince(previous.at) < interval { return nil }
            let next = (last?.batch ?? 0) + 1
            last = (Date(), next)
            return next
        }
        guard let batch, let text = try? String(contentsOfFile: samples, encoding: .utf8) else { return }
        let stamp = "\(Int(Date().timeIntervalSince1970))-\(batch)"
        // Fresh order ids per batch, so a second run of the demo books again.
        let renamed = text.replacingOccurrences(of: #""id": ""#, with: #""id": "D\#(stamp)-"#)
        let name = "demo-\(stamp).ndjson"
        let temporary = "\(spool)/tmp/\(name)"
        guard (try? Data(renamed.utf8).write(to: URL(fileURLWithPath: temporary))) != nil else { return }
        rename(temporary, "\(spool)/new/\(name)")
    }
}
