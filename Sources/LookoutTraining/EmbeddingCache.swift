import LookoutDigest
import Foundation
import LookoutFiles
import LookoutModels

/// Embeddings on disk, keyed by the image file's content hash and a variant (0: the image, 1…: augmented
/// views), in one file per base model and preprocessing. A changed file has a new hash, so it is simply
/// computed again. Saved by writing a temporary file and renaming it over the old one: a run killed at
/// any moment leaves the previous cache intact.
public final class EmbeddingCache {
    public struct Key: Hashable, Sendable {
        public let content: [UInt8]  // sha256 of the file's bytes
        public let variant: UInt8
    }

    public let file: URL
    public let dimension: Int
    private let context: String
    private var entries: [Key: [Float]] = [:]
    private var changes = 0
    private let lock = NSLock()

    /// Embeddings added since the last save (workers read it to decide on a checkpoint).
    public var unsaved: Int { lock.withLock { changes } }

    static let magic = Array("LKEMB001".utf8)

    /// `context` names what the embeddings depend on besides the image: model sha256, preprocessing.
    public init(directory: URL, context: String, dimension: Int) throws {
        self.dimension = dimension
        self.context = context
        let name = SHA256.hash(data: Data(context.utf8)).prefix(12).hexString
        file = directory.appendingPathComponent("embeddings-\(name).bin")
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw TrainingError("\(directory.path): cannot create the cache folder (\(error.localizedDescription))")
        }
        load()
    }

    public var count: Int { lock.withLock { entries.count } }

    public subscript(key: Key) -> [Float]? {
        get { lock.withLock { entries[key] } }
        set {
            lock.withLock {
                entries[key] = newValue
                changes += 1
            }
        }
    }

    /// Reads the cache file; anything unreadable or written for another context is ignored (recomputed).
    private func load() {
        guard let data = try? Data(contentsOf: file, options: .mappedIfSafe) else { return }
        let bytes = [UInt8](data)
        let contextBytes = Array(context.utf8)
        let headerSize = 8 + 8 + contextBytes.count
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == Self.magic,
              readUInt32(bytes, 8) == UInt32(dimension), readUInt32(bytes, 12) == UInt32(contextBytes.count),
              Array(bytes[16..<headerSize]) == contextBytes else { return }
        let record = 33 + dimension * 4
        var at = headerSize
        bytes.withUnsafeBytes { raw in
            while at + record <= bytes.count {
                let key = Key(content: Array(bytes[at..<at + 32]), variant: bytes[at + 32])
                entries[key] = (0..<dimension).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 33 + $0 * 4, as: UInt32.self)))
                }
                at += record
            }
        }
    }

    private func readUInt32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
    }

    /// Writes everything to a temporary file, flushes it to disk, then renames it into place.
    public func save() throws {
        let snapshot = lock.withLock { () -> [Key: [Float]] in
            changes = 0
            return entries
        }
        var out = Self.magic
        let contextBytes = Array(context.utf8)
        for value in [UInt32(dimension), UInt32(contextBytes.count)] { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
        out += contextBytes
        out.reserveCapacity(out.count + snapshot.count * (33 + dimension * 4))
        for (key, vector) in snapshot {
            out += key.content
            out.append(key.variant)
            vector.withUnsafeBytes { out += $0 }  // little-endian on every platform Lookout targets
        }
        try AtomicFile.write(Data(out), to: file)
    }
}
