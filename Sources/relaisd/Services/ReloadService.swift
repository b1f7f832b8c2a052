import RelaisControl
import RelaisRecords
import RelaisStore
import ServiceLifecycle
import UnixSignals

/// SIGHUP reloads carriers and policies (``Reloader``), as `systemctl reload relaisd` asks.
struct ReloadService: Service {
    let state: DaemonState

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            _ = await state.reload(by: Actor("signal"))
        }
    }
}
