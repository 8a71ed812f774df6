internal import CLibCrypto

#if canImport(Glibc)
import Glibc
#endif

/// SHA-256 through the system's OpenSSL libcrypto (its EVP interface; libpq links the same
/// library). The canonical key and row signature hashes (one short key per row, on every
/// import's hot path) and the file digest of each upload use it.
///
/// libcrypto instead of swift-crypto: swift-crypto compiles its copy of BoringSSL in every
/// build configuration, about 100 s of a clean debug build on 2 cores and as much again for the
/// release build that CI's reliability suites and the package need.
public enum SHA256 {
    /// Calls `body` with the digest of `bytes` (32 bytes, valid only inside `body`).
    ///
    /// Each thread reuses one EVP context: `EVP_Digest` allocates and frees a context per call,
    /// which for the 60-byte keys of a price list row cost 0.9 µs a hash here against 0.5 µs with
    /// a reused context (OpenSSL 3.0, one measurement on a loaded 2-core machine).
    public static func withDigest<R>(of bytes: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows
        -> R
    {
        let context = ThreadContext.current
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return try withUnsafeMutableBytes(of: &digest) { out in
            guard EVP_DigestInit_ex2(context, algorithm, nil) == 1, EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1,
                EVP_DigestFinal_ex(context, out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil) == 1
            else { fatalError("libcrypto failed to compute a SHA-256 digest") }
            return try body(UnsafeRawBufferPointer(out))
        }
    }

    /// The lowercase hex digest of `bytes`.
    public static func hexDigest(of bytes: UnsafeRawBufferPointer) -> String {
        withDigest(of: bytes, Hex.lowercase)
    }

    /// The lowercase hex digest of `bytes`.
    public static func hexDigest(of bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hexDigest(of: $0) }
    }

    /// Loads libcrypto's SHA-256 now. Its first use initialises OpenSSL, reads its
    /// configuration and loads the default provider: about 6 ms of an agent's first plan
    /// (under `strace`), which the agent's planner spends when it starts instead.
    public static func load() {
        _ = algorithm
    }

    /// SHA-256 as libcrypto's default provider implements it, fetched once (an `EVP_MD` is
    /// immutable and may be shared by threads; fetching it per digest costs a lookup by name).
    nonisolated(unsafe) static let algorithm: OpaquePointer = {
        guard let algorithm = EVP_MD_fetch(nil, "SHA256", nil) else { fatalError("libcrypto has no SHA-256") }
        return algorithm
    }()

    /// The calling thread's EVP context, created on its first digest and freed when the thread
    /// ends.
    enum ThreadContext {
        static let key: pthread_key_t = {
            var key = pthread_key_t()
            guard pthread_key_create(&key, { EVP_MD_CTX_free(OpaquePointer($0)) }) == 0 else {
                fatalError("pthread_key_create failed")
            }
            return key
        }()

        static var current: OpaquePointer {
            if let context = pthread_getspecific(key) { return OpaquePointer(context) }
            guard let context = EVP_MD_CTX_new(), pthread_setspecific(key, UnsafeRawPointer(context)) == 0 else {
                fatalError("libcrypto could not allocate a digest context")
            }
            return context
        }
    }
}

/// An incremental SHA-256, for a stream read in pieces (an upload's file digest).
public final class SHA256Hasher {
    private let context: OpaquePointer

    /// A hasher that has hashed nothing.
    public init() {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex2(context, SHA256.algorithm, nil) == 1 else {
            fatalError("libcrypto could not start a SHA-256 digest")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Hashes `bytes` after what came before.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        guard EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1 else { fatalError("libcrypto failed to hash") }
    }

    /// The lowercase hex digest of everything hashed so far; the hasher is left as it was.
    public func hexDigest() -> String {
        guard let copy = EVP_MD_CTX_new() else { fatalError("libcrypto could not allocate a digest context") }
        defer { EVP_MD_CTX_free(copy) }
        var digest: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &digest) { out in
            guard EVP_MD_CTX_copy_ex(copy, context) == 1,
                EVP_DigestFinal_ex(copy, out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil) == 1
            else { fatalError("libcrypto failed to finish a SHA-256 digest") }
            return Hex.lowercase(UnsafeRawBufferPointer(out))
        }
    }
}
