import Foundation

/// Runs blocking `work` (waiting for a child process, reading a pipe to its end, waiting on a
/// semaphore) on a thread of its own, never on Swift's cooperative pool.
///
/// The pool has as many threads as the machine has cores: two on CI. A test that blocks one
/// while another test blocks the other, each waiting for something an in-process server (the
/// sandbox, the control socket) must answer on the pool, hangs the whole run.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}

/// ``offPool(_:)-(()->T)`` for work that cannot throw.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

extension Process {
    /// Waits for the process to exit, off the cooperative pool; returns its status.
    @discardableResult
    public func exited() async -> Int32 {
        let process = UncheckedProcess(process: self)
        return await offPool {
            process.process.waitUntilExit()
            return process.process.terminationStatus
        }
    }
}

/// A child process run to its end: its exit status and what it wrote.
public struct ChildOutput: Sendable {
    public var status: Int32
    /// Standard output as written (a digest, a label: not always text).
    public var output: Data
    public var stderr: String
    /// Standard output as text.
    public var stdout: String { String(decoding: output, as: UTF8.self) }
}

/// Runs `executable` to its end off the cooperative pool, with `input` on its standard input,
/// reading its standard output and error at the same time (a child that fills one pipe while
/// the parent reads the other would wait forever).
/// - Parameter mergeStandardError: standard error goes into `stdout`, as a terminal shows it.
public func runChild(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: Data? = nil,
    mergeStandardError: Bool = false
) async throws -> ChildOutput {
    try await offPool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = mergeStandardError ? out : err
        let stdin = input.map { _ in Pipe() }
        process.standardInput = stdin ?? FileHandle.nullDevice
        try process.run()
        if mergeStandardError { try? err.fileHandleForWriting.close() }
        let errors = ReadToEnd(err.fileHandleForReading)
        if let stdin, let input {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errorOutput = errors.wait()
        process.waitUntilExit()
        return ChildOutput(
            status: process.terminationStatus, output: output, stderr: String(decoding: errorOutput, as: UTF8.self))
    }
}

/// Safety of `@unchecked Sendable`: the process is only waited on, from one thread.
private struct UncheckedProcess: @unchecked Sendable {
    let process: Process
}

/// Reads a pipe to its end on a thread of its own.
/// Safety of `@unchecked Sendable`: `data` is written once by the reading thread before it
/// signals, and read by the waiter only after.
private final class ReadToEnd: @unchecked Sendable {
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let box = UncheckedHandle(handle: handle)
        Thread.detachNewThread { [self] in
            data = box.handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func wait() -> Data {
        done.wait()
        return data
    }
}

/// Safety of `@unchecked Sendable`: handed to one reading thread, used there only.
private struct UncheckedHandle: @unchecked Sendable {
    let handle: FileHandle
}
