import CCrypto
import Foundation

/// SHA-256 through the system's libcrypto: model and head checksums, embedding-cache keys.
/// (swift-crypto needs swift-asn1, which needs a newer toolchain than Debian 13's Swift 6.0.3.)
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        // Allocation failure is the only way these fail, and there is nothing to continue with then.
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            fatalError("libcrypto cannot start a SHA-256 digest (out of memory)")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update<Bytes: Sequence>(data: Bytes) where Bytes.Element == UInt8 {
        let done = data.withContiguousStorageIfAvailable { buffer in
            _ = EVP_DigestUpdate(context, buffer.baseAddress, buffer.count)
        }
        if done == nil { Array(data).withUnsafeBufferPointer { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) } }
    }

    /// The 32-byte digest; the hasher cannot be updated afterwards.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        _ = EVP_DigestFinal_ex(context, &digest, &length)
        return Array(digest.prefix(Int(length)))
    }

    public static func hash<Bytes: Sequence>(data: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        let hasher = SHA256()
        hasher.update(data: data)
        return hasher.finalize()
    }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hex, as sha256sum prints it.
    public var hexString: String { map { String(format: "%02x", $0) }.joined() }
}
