import IngestCore

/// A key built from a row's bytes in memory its caller lends (a stack allocation), so that a
/// planner allocates nothing per row: an array per row, its growth and its release were 4% of
/// a Golden PETL plan. An append that would outgrow the memory adds nothing and returns false
/// (the caller then maps the row instead).
struct KeyBytes {
    private let storage: UnsafeMutableBufferPointer<UInt8>
    /// The bytes appended so far.
    private(set) var count = 0

    init(_ storage: UnsafeMutableBufferPointer<UInt8>) { self.storage = storage }

    /// The key so far.
    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: storage[0..<count]) }

    /// Appends `byte`; false when there is no room.
    mutating func append(_ byte: UInt8) -> Bool {
        guard count < storage.count else { return false }
        storage[count] = byte
        count += 1
        return true
    }

    /// Appends `bytes` upper-cased when they are ``TextCleaning/isCleanASCII(_:)`` (checked in
    /// the same pass); false, and nothing appended, when they are not or do not fit.
    mutating func append(cleanASCIIUpperCased bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count <= storage.count - count else { return false }
        var end = count
        let storage = storage
        guard TextCleaning.isCleanASCII(bytes, { byte in
            storage[end] = TextCleaning.asciiUppercased(byte)
            end += 1
        }) else { return false }
        count = end
        return true
    }

    /// Appends `bytes` as they are; false (and nothing appended) when they do not fit.
    mutating func append(contentsOf bytes: some Collection<UInt8>) -> Bool {
        guard bytes.count <= storage.count - count else { return false }
        for byte in bytes {
            storage[count] = byte
            count += 1
        }
        return true
    }

    /// Drops the bytes from `start` on.
    mutating func removeSuffix(from start: Int) {
        count = start
    }
}
