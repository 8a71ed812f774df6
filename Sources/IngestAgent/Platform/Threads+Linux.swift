#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CNexusPlatform
import Synchronization

/// Runs `body(0..<count)` on `count` new OS threads and waits for all of them.
///
/// Workers block in libpq calls, so they need real threads, not the cooperative pool of
/// Swift concurrency or Dispatch's CPU-bound width.
func runOnThreads(count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    final class Box: @unchecked Sendable {
        let body: @Sendable (Int) -> Void
        let index: Int
        init(_ body: @escaping @Sendable (Int) -> Void, _ index: Int) {
            self.body = body
            self.index = index
        }
    }
    var threads: [pthread_t] = []
    for index in 0..<count {
        let box = Unmanaged.passRetained(Box(body, index)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body(box.index)
            return nil
        }, box)
        if status == 0 {
            threads.append(thread)
        } else {
            Unmanaged<Box>.fromOpaque(box).release()
            body(index)  // could not start a thread: run this worker inline
        }
    }
    for thread in threads { pthread_join(thread, nil) }
}

/// Sleeps the calling thread for `milliseconds`.
func sleepMilliseconds(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}

/// This process's id.
var processID: Int32 { getpid() }

/// The number of online processors.
func coreCount() -> Int32 { Int32(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

/// A flag set by one thread and read by another.
final class AtomicFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Blocking work (libpq calls, inotify reads, fsync) on OS threads of its own, so that it never
/// holds a thread of Swift concurrency's cooperative pool.
enum BlockingThread {
    /// Runs `body` on a new thread named `name` (shown by `top -H`, at most 15 bytes) and
    /// returns its result once it returns. Not cancellable: `body` watches its own stop flag.
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            start(name: name) {
                do {
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Starts `body` on a new detached thread named `name`; runs it inline if no thread can
    /// be made.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        if let thread = startThread(name: name, body) { pthread_detach(thread) }
    }
}

/// A thread that its starter waits for (``join()``): for work whose memory the starter frees
/// only once the thread is done with it.
final class JoinableThread {
    private var thread: pthread_t?

    /// Starts `body` on a new thread named `name`; runs it inline if no thread can be made.
    init(name: String, _ body: @escaping @Sendable () -> Void) {
        thread = startThread(name: name, body)
    }

    /// Returns once the thread has ended (at once after the first call).
    func join() {
        guard let thread else { return }
        pthread_join(thread, nil)
        self.thread = nil
    }
}

/// Starts `body` on a new thread named `name` (shown by `top -H`, at most 15 bytes) and returns
/// it; runs `body` inline and returns nil if no thread can be made.
private func startThread(name: String, _ body: @escaping @Sendable () -> Void) -> pthread_t? {
    let box = Unmanaged.passRetained(ClosureBox(body, name: name)).toOpaque()
    var thread = pthread_t()
    guard pthread_create(&thread, nil, { raw in
        let box = Unmanaged<ClosureBox>.fromOpaque(raw!).takeRetainedValue()
        nexus_name_this_thread(box.name)
        box.body()
        return nil
    }, box) == 0 else {
        Unmanaged<ClosureBox>.fromOpaque(box).takeRetainedValue().body()
        return nil
    }
    return thread
}

private final class ClosureBox: @unchecked Sendable {
    let body: @Sendable () -> Void
    let name: String
    init(_ body: @escaping @Sendable () -> Void, name: String) {
        self.body = body
        self.name = name
    }
}

/// A monotonic clock in milliseconds.
func monotonicMilliseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
}
