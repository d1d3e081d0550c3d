import CLinux
import Foundation

/// Per-tensor or per-channel affine quantization: real = scale × (q − zeroPoint).
public struct Quantization: Sendable, Equatable {
    public var scale: [Float]
    public var zeroPoint: [Int64]
    public var quantizedDimension: Int
}

public struct Tensor: Sendable {
    public var name: String
    public var shape: [Int]
    public var type: TensorType
    /// Index into `Model.buffers`; buffer 0 is the empty sentinel by convention.
    public var buffer: Int
    public var quantization: Quantization?
}

public struct Operator: Sendable {
    public var code: BuiltinOperator
    /// Name of a CUSTOM operator, when `code == .custom`.
    public var customName: String?
    /// Tensor indices; -1 marks an omitted optional input.
    public var inputs: [Int]
    public var outputs: [Int]
    public var options: OperatorOptions
}

/// The file bytes, kept alive as long as anything (tensor data handed to XNNPACK) points into them.
/// They live in memory of their own, read from the file rather than mapped: a model file truncated or
/// rewritten after loading cannot fault the reader (SIGBUS). Once XNNPACK has packed its own copy of
/// the weights, `release()` frees them.
public final class ModelBytes: @unchecked Sendable {
    public private(set) var pointer: UnsafeMutableRawBufferPointer
    /// The file's size, also after `release()`.
    public let count: Int
    public private(set) var isReleased = false

    /// Copies `data` into 64-byte aligned memory so that weight buffers (16-byte aligned in the file
    /// by the TFLite converter) stay aligned for vector loads.
    public init(_ data: Data) {
        pointer = .allocate(byteCount: max(data.count, 1), alignment: 64)
        _ = data.copyBytes(to: pointer)
        count = pointer.count
    }

    /// Reads the regular file at `path` (anything else is refused without blocking).
    public init(reading path: String, maxBytes: Int = 1 << 31) throws {
        var kind: UnsafePointer<CChar>?
        let fd = clinux_open_regular(path, &kind)
        guard fd >= 0 else {
            throw ModelError("cannot read: " + (fd == -2 ? "\(kind.map { String(cString: $0) } ?? "not a file"), not a regular file"
                                                       : String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ModelError("cannot read: \(String(cString: strerror(errno)))") }
        guard info.st_size > 0 else { throw ModelError("file is 0 bytes, too short") }
        guard info.st_size <= maxBytes else { throw ModelError("file of \(info.st_size) bytes is too large for a model") }
        count = Int(info.st_size)
        pointer = .allocate(byteCount: count, alignment: 64)
        var offset = 0
        while offset < count {
            let n = read(fd, pointer.baseAddress! + offset, count - offset)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                let cause = n == 0 ? "file shrank while being read" : String(cString: strerror(errno))
                pointer.deallocate()
                throw ModelError("cannot read: \(cause)")
            }
            offset += n
        }
    }

    /// Frees the bytes: nothing may read the model's tensor data after this.
    public func release() {
        guard !isReleased else { return }
        pointer.deallocate()
        pointer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
        isReleased = true
    }

    deinit { release() }
}

public struct ModelError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A TensorFlow Lite model: the first subgraph, its tensors and operators, and the buffers' locations.
public struct Model: @unchecked Sendable {
    public let bytes: ModelBytes
    public let version: UInt32
    public let description: String?
    public let tensors: [Tensor]
    public let inputs: [Int]
    public let outputs: [Int]
    public let operators: [Operator]
    /// Byte ranges of the buffers within `bytes` (empty for buffers without data).
    public let buffers: [Range<Int>]

    public static func load(contentsOf url: URL) throws -> Model {
        try Model(bytes: ModelBytes(reading: url.path))
    }

    public init(bytes: ModelBytes) throws {
        do { try self.init(parsing: bytes) } catch let error as FlatBufferError {
            throw ModelError("not a valid TensorFlow Lite file: \(error)")
        }
    }

    private init(parsing bytes: ModelBytes) throws {
        let fb = FlatBuffer(UnsafeRawBufferPointer(bytes.pointer))
        guard bytes.count >= 8 else { throw FlatBufferError("file is \(bytes.count) bytes, too short") }
        guard fb.identifier == "TFL3" else {
            throw FlatBufferError("missing the TFL3 file identifier")
        }
        let root = try fb.root()
        self.bytes = bytes
        version = try root.scalar(0, default: UInt32(0))
        description = try root.string(3, "model description")

        let codes = try (root.vector(1, elementSize: 4, "operator_codes")?.tables() ?? []).map { t in
            // builtin_code (field 3) superseded the byte-sized deprecated_builtin_code (field 0) at 127.
            let deprecated = Int32(try t.scalar(0, default: Int8(0)))
            let code = try t.scalar(3, default: Int32(0))
            return (BuiltinOperator(rawValue: max(deprecated, code)), try t.string(1, "custom_code"))
        }

        let buffers = try (root.vector(4, elementSize: 4, "buffers")?.tables() ?? []).enumerated().map { i, t in
            if let data = try t.vector(0, elementSize: 1, "buffer \(i)") { return data.start..<data.start + data.count }
            // Models over 2 GB keep data outside the flatbuffer, located by offset and size.
            let offset = try t.scalar(1, default: UInt64(0)), size = try t.scalar(2, default: UInt64(0))
            guard offset > 1 || size > 0 else { return 0..<0 }
            guard offset <= UInt64(bytes.count), size <= UInt64(bytes.count) - offset else {
                throw FlatBufferError("buffer \(i) (offset \(offset), size \(size)) lies outside the file")
            }
            return Int(offset)..<Int(offset + size)
        }
        self.buffers = buffers

        guard let subgraph = try root.vector(2, elementSize: 4, "subgraphs")?.tables().first else {
            throw FlatBufferError("model has no subgraph")
        }
        tensors = try (subgraph.vector(0, elementSize: 4, "tensors")?.tables() ?? []).enumerated().map { i, t in
            try Self.tensor(t, index: i, bufferCount: buffers.count)
        }
        let count = tensors.count
        func indices(_ table: Table, _ field: Int, _ what: String, allowOmitted: Bool = false) throws -> [Int] {
            let list = try table.vector(field, elementSize: 4, what)?.scalars(Int32.self).map(Int.init) ?? []
            for i in list where !(i >= 0 && i < count) && !(allowOmitted && i == -1) {
                throw FlatBufferError("\(what) names tensor \(i), but the model has \(count) tensors")
            }
            return list
        }
        inputs = try indices(subgraph, 1, "subgraph inputs")
        outputs = try indices(subgraph, 2, "subgraph outputs")
        operators = try (subgraph.vector(3, elementSize: 4, "operators")?.tables() ?? []).enumerated().map { i, t in
            let opcode = Int(try t.scalar(0, default: UInt32(0)))
            guard opcode < codes.count else {
                throw FlatBufferError("operator \(i) uses opcode \(opcode), but there are \(codes.count) codes")
            }
            let tag = try t.scalar(3, default: UInt8(0))
            return Operator(code: codes[opcode].0, customName: codes[opcode].1,
                            inputs: try indices(t, 1, "operator \(i) inputs", allowOmitted: true),
                            outputs: try indices(t, 2, "operator \(i) outputs"),
                            options: try OperatorOptions.decode(tag: tag, table: t.table(4, "operator \(i) options")))
        }
    }

    private static func tensor(_ t: Table, index: Int, bufferCount: Int) throws -> Tensor {
        let name = try t.string(3, "tensor \(index) name") ?? "#\(index)"
        let shape = try t.vector(0, elementSize: 4, "tensor \(index) shape")?.scalars(Int32.self).map(Int.init) ?? []
        let rawType = try t.scalar(1, default: Int8(0))
        guard let type = TensorType(rawValue: rawType) else {
            throw FlatBufferError("tensor '\(name)' has unknown type \(rawType)")
        }
        let buffer = Int(try t.scalar(2, default: UInt32(0)))
        guard buffer < max(bufferCount, 1) else {
            throw FlatBufferError("tensor '\(name)' names buffer \(buffer), but there are \(bufferCount)")
        }
        var quantization: Quantization?
        if let q = try t.table(4, "tensor '\(name)' quantization") {
            let scale = try q.vector(2, elementSize: 4, "quantization scale")?.floats() ?? []
            let zeroPoint = try q.vector(3, elementSize: 8, "quantization zero_point")?.scalars(Int64.self) ?? []
            if !scale.isEmpty {
                quantization = Quantization(scale: scale, zeroPoint: zeroPoint,
                                            quantizedDimension: Int(try q.scalar(6, default: Int32(0))))
            }
        }
        return Tensor(name: name, shape: shape, type: type, buffer: buffer, quantization: quantization)
    }

    /// The constant data of tensor `index`, or nil when it has none (an activation) or the bytes were released.
    public func data(of index: Int) -> UnsafeRawBufferPointer? {
        guard !bytes.isReleased else { return nil }
        let range = buffers.indices.contains(tensors[index].buffer) ? buffers[tensors[index].buffer] : 0..<0
        guard !range.isEmpty else { return nil }
        return UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes.pointer)[range])
    }
}
