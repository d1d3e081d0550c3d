import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

private var target: (([UInt8]) -> Void)?

/// Runs libFuzzer on `body`, or, given `--make-seeds DIR`, writes `seeds()` there (name → bytes) and exits.
/// Each fuzz executable's entry point (`<Target>_main`, the name SwiftPM gives it) calls this.
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                     seeds: () throws -> [String: [UInt8]], _ body: @escaping ([UInt8]) -> Void) -> CInt {
    let arguments = (0..<Int(argc)).map { String(cString: argv![$0]!) }
    if arguments.count == 3, arguments[1] == "--make-seeds" {
        do {
            let folder = URL(fileURLWithPath: arguments[2])
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, bytes) in try seeds() { try Data(bytes).write(to: folder.appendingPathComponent(name)) }
            return 0
        } catch {
            FileHandle.standardError.write(Data("seeds: \(error)\n".utf8))
            return 1
        }
    }
    target = body
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in
        target!(size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size)))
        return 0
    }
}

/// Shared inputs: LOOKOUT_MODEL_DIR (models), LOOKOUT_PHOTOS (photos), LOOKOUT_CONFIG (lookout.yaml).
public enum Shared {
    public static func folder(_ variable: String) -> URL {
        guard let path = ProcessInfo.processInfo.environment[variable] else {
            FileHandle.standardError.write(Data("fuzz: set \(variable)\n".utf8))
            exit(2)
        }
        return URL(fileURLWithPath: path)
    }
    public static var models: URL { folder("LOOKOUT_MODEL_DIR") }
    public static var photos: URL { folder("LOOKOUT_PHOTOS") }

    public static func read(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    /// A private scratch folder (on tmpfs when there is one) for targets whose input is files.
    public static let scratch: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("lookout-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Shared.scratch) }
        return url
    }()
}

/// Reads fields off the front of a fuzz input.
public struct ByteReader {
    public var bytes: ArraySlice<UInt8>
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }
    public mutating func byte() -> Int { bytes.popFirst().map(Int.init) ?? 0 }
    public mutating func uint16() -> Int { byte() | byte() << 8 }
    public var rest: [UInt8] { Array(bytes) }
}
