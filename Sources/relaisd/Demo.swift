import ArgumentParser
import Foundation
import RelaisBooking
import RelaisCommands
import RelaisCore
import Synchronization

/// `relaisd --demo`: the repository's panel and policies, `relais-sandbox` as the carriers
/// (a child process, as a carrier is another machine in production; relaisd does not link
/// it), state in `./.relais/`, sample orders dropped into the spool every few seconds, a
/// progress line every three. Runs until Ctrl-C.
enum Demo {
    static func run() async throws {
        let root = FileManager.default.currentDirectoryPath
        guard FileManager.default.fileExists(atPath: (root as NSString).appendingPathComponent("carriers")) else {
            write("relaisd --demo: run it from the repository root (no ./carriers here)\n", fd: 2)
            throw ExitCode(2)
        }
        let sandbox: SandboxProcess
        do {
            // The configuration first without the sandbox's address: it makes the webhook
            // secret the sandbox's OMS verifies with.
            _ = try DemoSetup.prepare(root: root)
            sandbox = try SandboxProcess.start(
                carriers: (root as NSString).appendingPathComponent("carriers"),
                omsSecrets: (root as NSString).appendingPathComponent(".relais/credentials/\(DemoSetup.omsSecretName)"))
        } catch {
            write("relaisd --demo: \(error)\n", fd: 2)
            throw ExitCode(2)
        }
        defer { sandbox.stop() }
        let configFile: String
        do {
            configFile = try DemoSetup.prepare(root: root, sandboxURL: sandbox.url)
        } catch {
            write("relaisd --demo: \(error)\n", fd: 2)
            throw ExitCode(2)
        }
        let socket = (root as NSString).appendingPathComponent(".relais/relais.sock")
        write(
            """
            relaisd demo: \(sandbox.banner) (relais-sandbox, pid \(sandbox.pid))
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
              swift run relaisctl options samples/cart.json  # checkout options, Lille store or Lyon
              curl --unix-socket \(socket) http://localhost/metrics
              curl \(sandbox.url)/_sandbox/ledger         # what the carriers booked
              curl \(sandbox.url)/_oms/received           # the webhooks the OMS verified

            """, fd: 1)
        let feeder = SampleFeeder(samples: (root as NSString).appendingPathComponent("samples/orders.ndjson"))
        var extras = Daemon.Extras()
        extras.beforeIntake = { spool in feeder.feedIfDue(spool: spool) }
        let lastLine = Mutex("")
        extras.progress = { queue, statistics in
            let mean = statistics.booked > 0 ? statistics.bookedLatencyTotal / Int64(statistics.booked) : 0
            let line = "progress: \(queue); booked since start \(statistics.booked) (mean \(mean) ms claim→booked)"
            // Only news: an idle demo stays quiet between batches.
            let changed = lastLine.withLock { last in
                defer { last = line }
                return last != line
            }
            if changed { write(line + "\n", fd: 1) }
        }
        try await Daemon.run(configFile: configFile, extras: extras)
    }
}

/// Drops the sample orders into the spool with fresh ids, ready now, now and every
/// `interval` seconds, the way an OMS would: written in `tmp/`, renamed into `new/`.
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
        let renamed = DemoSetup.madeReady(text, now: Int64(Date().timeIntervalSince1970))
            .replacingOccurrences(of: #""id": ""#, with: #""id": "D\#(stamp)-"#)
        let name = "demo-\(stamp).ndjson"
        let temporary = "\(spool)/tmp/\(name)"
        guard (try? Data(renamed.utf8).write(to: URL(fileURLWithPath: temporary))) != nil else { return }
        rename(temporary, "\(spool)/new/\(name)")
    }
}
