import Dispatch
import Foundation
import IKEEngine
import Synchronization

/// The worker threads that run the engine's compute jobs (Diffie-Hellman now, signatures later) off
/// the event loop, one per core. Work for authenticated peers and our own negotiations is served
/// before work for peers that have not authenticated, so a flood of Main Modes cannot delay the
/// Quick Modes of established SAs; the engine bounds the unauthenticated work it asks for.
final class ComputePool: Sendable {
    private struct Job: Sendable {
        let token: UInt64
        let job: ComputeJob
    }

    private struct Queues: Sendable {
        var established: [Job] = []
        var unauthenticated: [Job] = []
        var stopped = false

        mutating func take() -> Job? {
            if !established.isEmpty { return established.removeFirst() }
            if !unauthenticated.isEmpty { return unauthenticated.removeFirst() }
            return nil
        }
    }

    private let queues = Mutex(Queues())
    private let workers: Int
    private let available = DispatchSemaphore(value: 0)
    private let deliver: @Sendable (UInt64, ComputeResult) -> Void

    /// `deliver` is called on a worker thread with each result.
    init(workers: Int = ProcessInfo.processInfo.activeProcessorCount, deliver: @escaping @Sendable (UInt64, ComputeResult) -> Void) {
        self.deliver = deliver
        self.workers = max(1, workers)
        for index in 0..<self.workers {
            let thread = Thread { [self] in work() }
            thread.name = "in.iked compute \(index)"
            thread.start()
        }
    }

    /// Queues a job; it runs when a worker is free, established work first.
    func submit(token: UInt64, _ job: ComputeJob, priority: ComputePriority) {
        queues.withLock { queues in
            switch priority {
            case .established: queues.established.append(Job(token: token, job: job))
            case .unauthenticated: queues.unauthenticated.append(Job(token: token, job: job))
            }
        }
        available.signal()
    }

    /// Jobs waiting for a worker, by priority (for `ikeadm get stats`).
    var waiting: (established: Int, unauthenticated: Int) {
        queues.withLock { ($0.established.count, $0.unauthenticated.count) }
    }

    /// Ends the workers once the jobs already queued are done (the daemon stops).
    func stop() {
        queues.withLock { $0.stopped = true }
        for _ in 0..<workers { available.signal() }
    }

    private func work() {
        while true {
            available.wait()
            let (next, stopped) = queues.withLock { ($0.take(), $0.stopped) }
            if let next {
                deliver(next.token, next.job.run())
            } else if stopped {
                return
            }
        }
    }
}
