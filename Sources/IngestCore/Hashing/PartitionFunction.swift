/// How a row's key hash picks its chunk among `count` partitions. A plan records the one it
/// used (`meta_json.partitionFunction`), so that `retry` rewrites the same chunks.
public enum PartitionFunction: String, Sendable, CaseIterable {
    /// The first plans: FNV-1a-64 modulo the count. Poor: FNV-1a's lowest bit is the parity
    /// of the key's bytes (every step multiplies by an odd prime), so `% 2` (and the low bits
    /// of any `% 2^k`) only see that parity, and keys that hold their own bytes twice
    /// (`CAT␟SEL␟CATSEL`, the Xactimate components layout) all land in one partition.
    case fnvModulo = "fnv1a64-mod"
    /// FNV-1a-64 finished by MurmurHash3's 64-bit mixer (every input bit reaches every output
    /// bit), reduced to the range by its high bits (`count × mixed >> 64`).
    case fnvMixed = "fnv1a64-fmix64"

    /// What new plans use.
    public static let current = PartitionFunction.fnvMixed

    /// The partition, from 0 to `count - 1`, of a key whose FNV-1a-64 is `hash`.
    @inlinable
    public func partition(_ hash: UInt64, count: Int) -> Int {
        switch self {
        case .fnvModulo:
            return Int(hash % UInt64(count))
        case .fnvMixed:
            var mixed = hash
            mixed ^= mixed >> 33
            mixed &*= 0xff51_afd7_ed55_8ccd
            mixed ^= mixed >> 33
            mixed &*= 0xc4ce_b9fe_1a85_ec53
            mixed ^= mixed >> 33
            return Int(UInt64(count).multipliedFullWidth(by: mixed).high)
        }
    }
}
