import Foundation

/// Writes small TensorFlow Lite files from scratch, so tests can make the graphs a converter never
/// would (omitted inputs, a RESHAPE into the model input, a scalar output, mixed types) instead of
/// committing binaries. Field numbers follow tensorflow/compiler/mlir/lite/schema/schema.fbs.
public struct TFLiteBuilder {
    public enum ElementType: Int8 { case float32 = 0, int32 = 2, uint8 = 3 }

    public struct Quantization {
        public var scale: Float, zeroPoint: Int64
        public init(scale: Float, zeroPoint: Int64) { (self.scale, self.zeroPoint) = (scale, zeroPoint) }
    }

    /// Builtin operator codes and option union tags used here.
    public enum Op: Int32 {
        case averagePool2D = 1, conv2D = 3, fullyConnected = 9, reshape = 22, softmax = 25, mean = 40
    }

    public struct Operator {
        public var code: Op, inputs: [Int32], outputs: [Int32]
        public var options: (tag: UInt8, table: FlatTable)?
        public init(_ code: Op, _ inputs: [Int32], _ outputs: [Int32], options: (tag: UInt8, table: FlatTable)? = nil) {
            (self.code, self.inputs, self.outputs, self.options) = (code, inputs, outputs, options)
        }
    }

    public private(set) var tensors: [FlatTable] = []
    var buffers: [[UInt8]] = [[]]
    /// In execution order; tests rewire them freely.
    public var operators: [Operator] = []
    public var inputs: [Int32] = []
    public var outputs: [Int32] = []

    public init() {}

    /// Adds a tensor (with constant `data` when given) and returns its index.
    @discardableResult
    public mutating func tensor(_ name: String, _ shape: [Int32], _ type: ElementType = .float32,
                                quantization: Quantization? = nil, data: [UInt8]? = nil) -> Int32 {
        var buffer: UInt32 = 0
        if let data {
            buffers.append(data)
            buffer = UInt32(buffers.count - 1)
        }
        let q = quantization.map { FlatTable([2: .floats([$0.scale]), 3: .int64s([$0.zeroPoint])]) }
        tensors.append(FlatTable([0: .int32s(shape), 1: .int8(type.rawValue), 2: .uint32(buffer), 3: .string(name),
                                  4: q.map(FlatValue.table)]))
        return Int32(tensors.count - 1)
    }

    /// Changes tensor `index`'s element type and quantization, keeping its shape and data.
    public mutating func retype(_ index: Int32, _ type: ElementType, quantization: Quantization?) {
        tensors[Int(index)].fields[1] = .int8(type.rawValue)
        tensors[Int(index)].fields[4] = quantization.map { .table(FlatTable([2: .floats([$0.scale]), 3: .int64s([$0.zeroPoint])])) }
    }

    public mutating func constant(_ name: String, _ shape: [Int32], floats: [Float]) -> Int32 {
        tensor(name, shape, data: floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }

    public mutating func constant(_ name: String, _ shape: [Int32], int32s: [Int32], quantization: Quantization? = nil) -> Int32 {
        tensor(name, shape, .int32, quantization: quantization,
               data: int32s.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) })
    }

    /// Adds an operator; `options` is the builtin options table with its union tag.
    public mutating func op(_ code: Op, _ inputs: [Int32], _ outputs: [Int32], options: (tag: UInt8, table: FlatTable)? = nil) {
        operators.append(Operator(code, inputs, outputs, options: options))
    }

    public static func reshapeOptions(_ shape: [Int32]) -> (UInt8, FlatTable) { (17, FlatTable([0: .int32s(shape)])) }
    public static let softmaxOptions: (UInt8, FlatTable) = (9, FlatTable([0: .float(1)]))
    public static let fullyConnectedOptions: (UInt8, FlatTable) = (8, FlatTable([:]))
    public static let meanOptions: (UInt8, FlatTable) = (27, FlatTable([0: .bool(false)]))
    public static func conv2DOptions(stride: Int32 = 1) -> (UInt8, FlatTable) {
        (1, FlatTable([0: .int8(1), 1: .int32(stride), 2: .int32(stride)]))  // VALID padding
    }
    public static func averagePoolOptions(filter: Int32) -> (UInt8, FlatTable) {
        (5, FlatTable([0: .int8(1), 1: .int32(1), 2: .int32(1), 3: .int32(filter), 4: .int32(filter)]))
    }

    /// The .tflite bytes.
    public func build() -> [UInt8] {
        var codes: [Int32] = []
        for op in operators where !codes.contains(op.code.rawValue) { codes.append(op.code.rawValue) }
        let ops = operators.map { op in
            FlatTable([0: .uint32(UInt32(codes.firstIndex(of: op.code.rawValue)!)), 1: .int32s(op.inputs), 2: .int32s(op.outputs),
                       3: op.options.map { .uint8($0.tag) }, 4: op.options.map { .table($0.table) }])
        }
        let subgraph = FlatTable([0: .tables(tensors), 1: .int32s(inputs), 2: .int32s(outputs), 3: .tables(ops)])
        let model = FlatTable([
            0: .uint32(3),
            1: .tables(codes.map { FlatTable([0: .int8(Int8(clamping: $0)), 2: .int32(1), 3: .int32($0)]) }),
            2: .tables([subgraph]),
            4: .tables(buffers.map { $0.isEmpty ? FlatTable([:]) : FlatTable([0: .bytes($0)]) }),
        ])
        var writer = FlatWriter()
        return writer.file(root: model, identifier: "TFL3")
    }

    /// A two-class float classifier on a 1×1 RGB picture: MEAN (the embedding) → FULLY_CONNECTED →
    /// SOFTMAX. Valid as built; the hostile tests bend one part of it.
    public static func tinyClassifier() -> (builder: TFLiteBuilder, pooled: Int32) {
        var b = TFLiteBuilder()
        let input = b.tensor("input", [1, 1, 1, 3])
        let axes = b.constant("axes", [2], int32s: [1, 2])
        let pooled = b.tensor("pooled", [1, 3])
        let weights = b.constant("weights", [2, 3], floats: [1, 0, -1, -1, 0, 1])
        let bias = b.constant("bias", [2], floats: [0.5, -0.5])
        let logits = b.tensor("logits", [1, 2])
        let scores = b.tensor("scores", [1, 2])
        b.op(.mean, [input, axes], [pooled], options: meanOptions)
        b.op(.fullyConnected, [pooled, weights, bias], [logits], options: fullyConnectedOptions)
        b.op(.softmax, [logits], [scores], options: softmaxOptions)
        (b.inputs, b.outputs) = ([input], [scores])
        return (b, pooled)
    }

    /// A valid uint8 model XNNPACK refuses when it builds the runtime (not when it is defined): its
    /// convolution's requantization scale (input × filter / output scale) is far above XNNPACK's 256.
    public static func xnnpackRefusedModel() -> [UInt8] {
        var b = TFLiteBuilder()
        let pixel = Quantization(scale: 1 / 255, zeroPoint: 0), filterScale = Quantization(scale: 1000, zeroPoint: 128)
        let out = Quantization(scale: 1e-3, zeroPoint: 0)
        let input = b.tensor("input", [1, 4, 4, 3], .uint8, quantization: pixel)
        let filter = b.tensor("filter", [2, 1, 1, 3], .uint8, quantization: filterScale, data: [UInt8](repeating: 129, count: 6))
        let bias = b.constant("bias", [2], int32s: [0, 0], quantization: Quantization(scale: pixel.scale * filterScale.scale, zeroPoint: 0))
        let features = b.tensor("features", [1, 4, 4, 2], .uint8, quantization: out)
        let pooled = b.tensor("pooled", [1, 1, 1, 2], .uint8, quantization: out)
        let scores = b.tensor("scores", [1, 2], .uint8, quantization: out)
        b.op(.conv2D, [input, filter, bias], [features], options: conv2DOptions())
        b.op(.averagePool2D, [features], [pooled], options: averagePoolOptions(filter: 4))
        b.op(.reshape, [pooled], [scores], options: reshapeOptions([1, 2]))
        (b.inputs, b.outputs) = ([input], [scores])
        return b.build()
    }
}

/// A flatbuffer value, as much of the format as TensorFlow Lite files use.
public indirect enum FlatValue {
    case int8(Int8), uint8(UInt8), bool(Bool), int32(Int32), uint32(UInt32), float(Float)
    case int32s([Int32]), int64s([Int64]), floats([Float]), bytes([UInt8]), string(String)
    case table(FlatTable), tables([FlatTable])

    /// Bytes stored in the table itself: the scalar, or a 4-byte reference to what follows the table.
    var inlineSize: Int {
        switch self {
        case .int8, .uint8, .bool: 1
        default: 4
        }
    }
}

/// A table: field number → value (absent fields take the schema's default).
public struct FlatTable {
    public var fields: [Int: FlatValue]
    public init(_ fields: [Int: FlatValue?]) { self.fields = fields.compactMapValues { $0 } }
}

/// Lays a tree of tables out front to back: each table's vtable just before it, what it refers to
/// just after it (flatbuffer references are unsigned, so they point forward).
struct FlatWriter {
    var out: [UInt8] = []

    mutating func file(root: FlatTable, identifier: String) -> [UInt8] {
        out = [0, 0, 0, 0] + Array(identifier.utf8)
        patch(at: 0, to: table(root))
        return out
    }

    mutating func align(_ n: Int, offset: Int = 0) { while (out.count + offset) % n != 0 { out.append(0) } }
    mutating func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { out += $0 } }
    mutating func patch(at position: Int, to target: Int) {
        withUnsafeBytes(of: UInt32(target - position).littleEndian) { out.replaceSubrange(position..<position + 4, with: $0) }
    }

    /// Writes `table` and everything it refers to; returns the table's position.
    mutating func table(_ table: FlatTable) -> Int {
        let count = (table.fields.keys.max() ?? -1) + 1
        var offsets = [Int](repeating: 0, count: count), size = 4
        for index in table.fields.keys.sorted() {
            let width = table.fields[index]!.inlineSize
            size = (size + width - 1) / width * width
            offsets[index] = size
            size += width
        }
        align(4)
        let vtable = out.count
        append(UInt16(4 + 2 * count))
        append(UInt16(size))
        for offset in offsets { append(UInt16(offset)) }
        align(4)
        let start = out.count
        append(Int32(start - vtable))
        out += [UInt8](repeating: 0, count: size - 4)
        var references: [(Int, FlatValue)] = []
        for (index, value) in table.fields {
            let at = start + offsets[index]
            var bytes: [UInt8] = []
            switch value {
            case .int8(let v): bytes = [UInt8(bitPattern: v)]
            case .uint8(let v): bytes = [v]
            case .bool(let v): bytes = [v ? 1 : 0]
            case .int32(let v): bytes = withUnsafeBytes(of: v.littleEndian, Array.init)
            case .uint32(let v): bytes = withUnsafeBytes(of: v.littleEndian, Array.init)
            case .float(let v): bytes = withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init)
            default: references.append((at, value))
            }
            out.replaceSubrange(at..<at + bytes.count, with: bytes)
        }
        for (at, value) in references { patch(at: at, to: child(value)) }
        return start
    }

    /// Writes a vector, string or table after its parent; returns its position.
    mutating func child(_ value: FlatValue) -> Int {
        if case .table(let t) = value { return table(t) }
        // Weight data 16-byte aligned (as the TFLite converter writes it), after its 4-byte length.
        if case .bytes = value { align(16, offset: 4) } else { align(8, offset: 4) }
        let start = out.count
        switch value {
        case .int32s(let v): append(UInt32(v.count)); v.forEach { append($0) }
        case .int64s(let v): append(UInt32(v.count)); v.forEach { append($0) }
        case .floats(let v): append(UInt32(v.count)); v.forEach { append($0.bitPattern) }
        case .bytes(let v): append(UInt32(v.count)); out += v
        case .string(let s): append(UInt32(s.utf8.count)); out += Array(s.utf8) + [0]
        case .tables(let tables):
            append(UInt32(tables.count))
            let slots = out.count
            out += [UInt8](repeating: 0, count: 4 * tables.count)
            for (i, t) in tables.enumerated() { patch(at: slots + 4 * i, to: table(t)) }
        default: preconditionFailure("not a vector")
        }
        return start
    }
}
