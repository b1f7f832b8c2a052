import Logging
import RelaisControl
import RelaisSystemd
import ServiceLifecycle

/// `STATUS=` for `systemctl status` every few seconds (and the demo's progress line), and
/// `STOPPING=1` as soon as a graceful stop begins: it is the last service listed, so the
/// first told.
struct StatusService: Service {
    let state: DaemonState
    let notifier: SystemdNotifier
    let logger: Logger
    let progress: (@Sendable (String) -> Void)?
    let interval: Duration

    func run() async throws {
        try await withGracefulShutdownHandler {
            while !Task.isShuttingDownGracefully {
                try await Task.sleep(for: interval)
                let line = await state.statusLine()
                notifier.status(line)
                progress?(line)
            }
        } onGracefulShutdown: { [notifier, logger] in
            notifier.stopping()
            logger.info("stopping: no new claims; draining the calls under way")
        }
    }
}
