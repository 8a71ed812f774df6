import IngestCore

/// The planner's input, read and split into records on a thread of its own (DESIGN §1.3): that
/// thread reads the upload once, computes its SHA-256 as it goes, splits the bytes into records
/// and copies them into batches, while the planning thread maps and routes the records of the
/// batches before.
///
/// Reading, hashing and splitting are about half of a plan's work; the other core is mostly
/// idle while a file is planned (its chunks are claimed only once the plan is committed), so
/// the two halves overlap: the pass over a 1M-row Golden Components file went from 276 to
/// 405 MB/s, over a 500k-row PETL export from 283 to 428 MB/s (medians of 7, one session). The
/// threads hand ``slots`` batches to each other and sleep on a condition until the other has
/// moved.
final class ScanAhead {
    private let state: State
    private let thread: JoinableThread

    static let slots = 4

    /// Opens `path` (its errors are thrown here) and starts splitting it into records of
    /// `delimiter`, in batches of about `batchBytes` bytes.
    init(path: String, delimiter: CSVDelimiter, batchBytes: Int = 1 << 20) throws {
        let file = try FileByteSource(path: path)
        let state = State(batchBytes: batchBytes)
        self.state = state
        thread = JoinableThread(name: "nexus-scan") { state.scan(file, delimiter: delimiter) }
    }

    deinit {
        state.stop()
        thread.join()
    }

    /// The next batch of records, in file order, waiting for it; nil after the last record.
    /// Give it back with ``release(_:)`` once its records are used.
    /// - Throws: the scan's error (``CSVScanError``), once the batches before it are taken.
    func next() throws -> CSVRecordBatch? {
        try state.next()
    }

    /// Gives a batch from ``next()`` back to the scanning thread.
    func release(_ batch: CSVRecordBatch) {
        state.release(batch)
    }

    /// What the scan read: the file's SHA-256, the bytes read, and the open file's size and
    /// mtime after the last read.
    typealias Read = (sha256: String, bytesRead: Int64, status: (size: Int64, mtimeNanoseconds: Int64)?)

    /// After ``next()`` returned nil: what the scan read.
    var result: Read {
        state.result
    }

    private final class State: @unchecked Sendable {
        private let lock = ConditionLock()
        /// Guarded by `lock`.
        private var free: [CSVRecordBatch]
        private var ready: [CSVRecordBatch] = []
        private var finished = false
        private var failure: (any Error)?
        private var stopped = false
        private var outcome: Read = ("", 0, nil)

        var result: Read {
            lock.withLock { outcome }
        }

        init(batchBytes: Int) {
            free = (0..<slots).map { _ in CSVRecordBatch(byteCapacity: batchBytes) }
        }

        /// The scanning thread.
        func scan(_ file: FileByteSource, delimiter: CSVDelimiter) {
            let source = HashingByteSource(file)
            let scanner = CSVScanner(source: source, options: CSVScannerOptions(delimiter: delimiter))
            guard var batch = takeFree() else { return }
            do {
                while let record = try scanner.nextRecord() {
                    if batch.append(record) { continue }
                    batch.bytesRead = scanner.bytesRead
                    publish(batch)
                    guard let next = takeFree() else { return }
                    batch = next
                    _ = batch.append(record)
                }
                batch.bytesRead = scanner.bytesRead
                finish(batch, failure: nil, result: (source.hexDigest(), source.bytesRead, source.status()))
            } catch {
                finish(batch, failure: error, result: ("", source.bytesRead, nil))
            }
        }

        /// An empty batch for the scanning thread, waiting for one; nil once stopped.
        private func takeFree() -> CSVRecordBatch? {
            lock.withLock {
                while free.isEmpty && !stopped { lock.wait() }
                return stopped ? nil : free.removeLast()
            }
        }

        private func publish(_ batch: CSVRecordBatch) {
            lock.withLock {
                ready.append(batch)
                lock.broadcast()
            }
        }

        private func finish(_ batch: CSVRecordBatch, failure: (any Error)?, result: Read) {
            lock.withLock {
                if batch.count > 0 { ready.append(batch) }
                self.failure = failure
                outcome = result
                finished = true
                lock.broadcast()
            }
        }

        func next() throws -> CSVRecordBatch? {
            try lock.withLock {
                while ready.isEmpty && !finished { lock.wait() }
                if !ready.isEmpty { return ready.removeFirst() }
                if let failure { throw failure }
                return nil
            }
        }

        func release(_ batch: CSVRecordBatch) {
            batch.removeAll()
            lock.withLock {
                free.append(batch)
                lock.broadcast()
            }
        }

        /// Makes the scanning thread return (the plan ended before the file did).
        func stop() {
            lock.withLock {
                stopped = true
                lock.broadcast()
            }
        }
    }
}
