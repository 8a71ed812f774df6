/// FNV-1a, 64-bit: the project's stable hash for partitioning rows into chunks and for
/// migration checksums.
///
/// Unlike Swift's `Hasher`, which is seeded per process, the value depends only on the
/// bytes, so a file plans into the same chunks on every run and every host.
public struct FNV1a64: Sendable, Equatable {
    /// The FNV-1a 64-bit offset basis.
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// The FNV-1a 64-bit prime.
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    @usableFromInline var state: UInt64 = FNV1a64.offsetBasis

    /// The hash of the bytes combined so far.
    public var value: UInt64 { state }

    /// Creates a hasher in its initial state.
    public init() {}

    /// Mixes `bytes` into the hash.
    @inlinable
    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        var h = state
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= FNV1a64.prime
        }
        state = h
    }

    /// Mixes one byte into the hash.
    @inlinable
    public mutating func combine(byte: UInt8) {
        state = (state ^ UInt64(byte)) &* FNV1a64.prime
    }

    /// The hash of `bytes`.
    @inlinable
    public static func hash(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hasher = FNV1a64()
        hasher.combine(bytes)
        return hasher.value
    }
}
