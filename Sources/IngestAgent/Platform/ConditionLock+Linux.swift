#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A mutex with one condition variable (pthreads), for two threads that hand work to each
/// other and sleep until the other has moved: a waiter is woken by ``broadcast()``, never by
/// a timer.
final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the mutex.
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Holding the mutex (inside ``withLock(_:)``): releases it until a ``broadcast()``, then
    /// takes it again. Wake-ups may be spurious: wait in a loop on the state it guards.
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Wakes every waiter; call it holding the mutex, after changing the state it guards.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
