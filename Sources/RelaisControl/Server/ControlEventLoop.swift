import CRelaisSystem
import NIOCore
import NIOPosix

/// The control socket's own thread: an event loop that carries the socket's channels and,
/// as a task executor, every request handler's `await`s.
///
/// Why: on Swift's cooperative pool (two threads on the 2-core machine) a status request
/// waited behind the booking loop's ready tasks, tens of milliseconds at p99 (SPEC §11:
/// ≤ 5 ms). Run with this executor preferred, a handler's code, its continuations (the
/// store's reads resume here) and its child tasks stay on this thread, which the kernel
/// schedules as soon as a request arrives; no step of a request waits for the pool.
///
/// - Important: Handlers must not block this thread for long: it serves every connection.
///   What blocks briefly (the operator group's lookup, a reload reading its files) blocks
///   only the control socket, never the pipeline.
final class ControlEventLoop: TaskExecutor {
    /// One thread for the process, made on first use and kept (as NIO's singletons are).
    static let shared = ControlEventLoop()

    let group: MultiThreadedEventLoopGroup
    private let loop: any EventLoop

    private init() {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
        raised = loop.submit {
            // The store's short reads (a status, a shipment) run here rather than on GRDB's
            // readers: no hop to another thread and back (RecordStore.quickRead).
            relais_set_thread_reads_inline(1)
            var before: Int32 = 0
            var after: Int32 = 0
            _ = relais_raise_thread_priority(5, &before, &after)
            let slice = relais_shorten_thread_slice(Self.slice)
            let refusal = slice < 0 ? String(cString: strerror(errno)) : nil
            return Priority(before: before, after: after, sliceNanoseconds: slice > 0 ? slice : nil, sliceRefusal: refusal)
        }
    }

    /// The time slice the thread asks for (0.1 ms, the least the kernel gives).
    static let slice: UInt64 = 100_000

    /// This thread's nice value before and after it raised its priority, and the time
    /// slice the kernel gave it (nil: the kernel's default), or why it refused one.
    struct Priority: Sendable {
        var before: Int32
        var after: Int32
        var sliceNanoseconds: Int64? = nil
        var sliceRefusal: String? = nil
    }

    /// Once, as the thread starts: a nice value up to 5 below the process's as far as the
    /// process may go (under systemd, the unit's `Nice=5` and `LimitNICE=+0` allow 0; as
    /// root, any), and the shortest time slice. With booking keeping both cores busy, a
    /// request on a thread of equal priority waited 7.5 ms at p99 for the scheduler before
    /// any of its code ran (SPEC §11: status ≤ 5 ms). The slice is what puts the thread
    /// first: libdispatch sets its workers' nice value from their QoS class where allowed,
    /// so booking's threads may run at the same nice value (BENCHMARKS.md, Status).
    private let raised: EventLoopFuture<Priority>

    /// The thread's priority, once raised.
    var priority: Priority {
        get async { (try? await raised.get()) ?? Priority(before: 0, after: 0) }
    }

    /// Whether the caller runs on this thread.
    var isCurrent: Bool { loop.inEventLoop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
