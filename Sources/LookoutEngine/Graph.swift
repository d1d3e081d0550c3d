import TFLite

/// Element type of a value in the lowered graph.
enum ElementType: Equatable {
    case float32
    /// uint8 asymmetric: real = scale × (q − zeroPoint).
    case quint8(scale: Float, zeroPoint: Int32)
    /// int32 bias of a quantized layer: real = scale × q.
    case qint32(scale: Float)

    var size: Int { self == .float32 ? 4 : (isQuint8 ? 1 : 4) }
    var isQuint8: Bool { if case .quint8 = self { true } else { false } }
}

/// A tensor of the lowered graph: its inferred shape, type, and constant data if it is a weight.
struct Value {
    var name: String
    var shape: [Int]
    var type: ElementType
    var data: UnsafeRawBufferPointer?
    var count: Int { shape.reduce(1, *) }
}

struct Clamp: Equatable {
    var min: Float, max: Float
    static let none = Clamp(min: -.infinity, max: .infinity)

    init(min: Float, max: Float) { self.min = min; self.max = max }

    init(_ activation: Activation, op: String) throws {
        switch activation {
        case .none: self = .none
        case .relu: self.init(min: 0, max: .infinity)
        case .relu6: self.init(min: 0, max: 6)
        case .reluN1To1: self.init(min: -1, max: 1)
        default: throw EngineError("\(op) with fused activation \(activation) is not supported")
        }
    }
}

struct Padding2D: Equatable { var top = 0, right = 0, bottom = 0, left = 0 }

struct Convolution {
    var input: Int, filter: Int, bias: Int?, output: Int
    var kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, dilationH: Int, dilationW: Int
    var padding: Padding2D
    /// Depthwise: input channels; otherwise 1.
    var groups: Int
    var groupInputChannels: Int, groupOutputChannels: Int
    var clamp: Clamp
    var depthwise: Bool
}

/// One XNNPACK node. The mapping from TensorFlow Lite (compare TFLite's XNNPACK delegate); where the
/// 2022 and 2024 XNNPACK APIs differ, CXNNPACK's shim picks the call at compile time:
///
/// | TFLite op                          | lowered to                                   | notes |
/// |------------------------------------|----------------------------------------------|-------|
/// | CONV_2D                            | `convolution` → xnn_define_convolution_2d     | SAME padding made explicit (TF rule), fused NONE/RELU/RELU6/RELU_N1_TO_1 as clamp |
/// | DEPTHWISE_CONV_2D                  | `convolution` (depthwise) → xnn_define_depthwise_convolution_2d | depth multiplier kept |
/// | AVERAGE_POOL_2D over the whole H×W | `globalAveragePool` → global average pooling (2022), mean reduce keeping dims (2024) | the MobileNet V1 head; float and uint8; 2024: no fused activation |
/// | AVERAGE_POOL_2D (other)            | `averagePool` → xnn_define_average_pooling_2d | float only |
/// | MEAN over axes {1, 2}              | `globalAveragePool` (+ `reshape` without keep_dims) | Keras-style global pooling |
/// | RESHAPE, SQUEEZE                   | `reshape` → xnn_define_static_reshape         | target shape folded at load time |
/// | FULLY_CONNECTED                    | `fullyConnected` → xnn_define_fully_connected | input flattened to [batch, inputs] |
/// | ADD                                | `add` → xnn_define_add2 (2022), xnn_define_binary (2024) | fused activation as clamp |
/// | SOFTMAX (beta 1)                   | `softmax` → xnn_define_softmax                | uint8: run on the host (see `Engine`) |
/// | SHAPE, STRIDED_SLICE, PACK         | folded to constants                           | the input shape is static |
enum Node {
    case convolution(Convolution)
    case globalAveragePool(input: Int, output: Int, clamp: Clamp)
    case averagePool(input: Int, output: Int, filterH: Int, filterW: Int, strideH: Int, strideW: Int,
                     padding: Padding2D, clamp: Clamp)
    case fullyConnected(input: Int, filter: Int, bias: Int?, output: Int, clamp: Clamp)
    case add(a: Int, b: Int, output: Int, clamp: Clamp)
    case reshape(input: Int, output: Int)
    case softmax(input: Int, output: Int)

    var output: Int {
        switch self {
        case .convolution(let c): c.output
        case .globalAveragePool(_, let o, _), .averagePool(_, let o, _, _, _, _, _, _), .fullyConnected(_, _, _, let o, _),
             .add(_, _, let o, _), .reshape(_, let o), .softmax(_, let o): o
        }
    }

    /// The values it reads: activations and weights.
    var inputs: [Int] {
        switch self {
        case .convolution(let c): [c.input, c.filter] + (c.bias.map { [$0] } ?? [])
        case .fullyConnected(let input, let filter, let bias, _, _): [input, filter] + (bias.map { [$0] } ?? [])
        case .add(let a, let b, _, _): [a, b]
        case .globalAveragePool(let i, _, _), .averagePool(let i, _, _, _, _, _, _, _), .reshape(let i, _), .softmax(let i, _): [i]
        }
    }
}

/// The model lowered to XNNPACK nodes for one batch size, with every shape inferred from the input's.
struct Graph {
    /// Lowered values; the first `model.tensors.count` are the model's tensors (nil where unused),
    /// the rest are values the lowering adds.
    var values: [Value?]
    var nodes: [Node] = []
    private(set) var input: Int
    private(set) var output: Int
    /// The global-pool output (the feature vector retraining uses), and how many nodes produce it.
    var embedding: (value: Int, nodeCount: Int)?
    /// The last feature map, the global pool's input (H×W×C), and how many nodes produce it.
    var featureMap: (value: Int, nodeCount: Int)?

    /// Elements any single tensor may have; keeps a hostile file from making XNNPACK allocate gigabytes.
    static let maxElements = 1 << 26

    init(model: Model, batch: Int) throws {
        guard model.inputs.count == 1, model.outputs.count == 1 else {
            throw EngineError("model has \(model.inputs.count) inputs and \(model.outputs.count) outputs; one of each is supported")
        }
        input = model.inputs[0]
        output = model.outputs[0]
        values = Array(repeating: nil, count: model.tensors.count)
        var lowering = Lowering(model: model, graph: self, batch: batch)
        try lowering.defineInput()
        for (index, op) in model.operators.enumerated() {
            do { try lowering.lower(op) } catch let error as EngineError {
                throw EngineError("operator \(index) (\(op.code)): \(error)")
            }
        }
        self = lowering.graph
        guard values[output] != nil, output != input else { throw EngineError("no operator produces the model output") }
    }
}

extension Graph {
    /// Of the first `nodeCount` nodes, those `output` depends on. A node whose result nothing reads
    /// (a crafted file can wire one) would get no memory from XNNPACK, which asserts on it.
    func nodes(_ nodeCount: Int, producing output: Int) -> [Node] {
        var needed: Set = [output], kept: [Node] = []
        for node in nodes.prefix(nodeCount).reversed() where needed.contains(node.output) {
            kept.append(node)
            needed.formUnion(node.inputs)
        }
        return kept.reversed()
    }
}

/// Walks the TFLite operators in order, inferring shapes and folding shape arithmetic.
private struct Lowering {
    let model: Model
    var graph: Graph
    /// Integer tensors known at load time: constants from the file and folded SHAPE/STRIDED_SLICE/PACK results.
    var integers: [Int: [Int]] = [:]
    let batch: Int

    init(model: Model, graph: Graph, batch: Int) {
        self.model = model
        self.graph = graph
        self.batch = batch
    }

    mutating func defineInput() throws {
        let t = model.tensors[graph.input]
        guard t.shape.count == 4, t.shape[0] == 1, t.shape[1...].allSatisfy({ $0 > 0 && $0 <= 4096 }) else {
            throw EngineError("input '\(t.name)' has shape \(t.shape); expected [1, height, width, channels]")
        }
        let type = try elementType(graph.input)
        guard type == .float32 || type.isQuint8 else { throw EngineError("input '\(t.name)' is \(t.type); float32 or uint8 is supported") }
        try set(graph.input, shape: [batch] + t.shape[1...], type: type)
    }

    // MARK: - tensors

    func tensor(_ index: Int) -> Tensor { model.tensors[index] }

    func elementType(_ index: Int) throws -> ElementType {
        let t = tensor(index)
        switch t.type {
        case .float32:
            return .float32
        case .uint8, .int32:
            guard let q = t.quantization, q.scale.count == 1 else {
                if t.quantization != nil { throw EngineError("tensor '\(t.name)' has per-channel quantization; per-tensor is supported for \(t.type)") }
                throw EngineError("tensor '\(t.name)' is \(t.type) without quantization parameters")
            }
            let scale = q.scale[0], zeroPoint = q.zeroPoint.first ?? 0
            guard scale.isFinite, scale > 0 else { throw EngineError("tensor '\(t.name)' has invalid scale \(scale)") }
            if t.type == .int32 {
                guard zeroPoint == 0 else { throw EngineError("int32 tensor '\(t.name)' has zero point \(zeroPoint)") }
                return .qint32(scale: scale)
            }
            guard (0...255).contains(zeroPoint) else { throw EngineError("tensor '\(t.name)' has zero point \(zeroPoint)") }
            return .quint8(scale: scale, zeroPoint: Int32(zeroPoint))
        default:
            throw EngineError("tensor '\(t.name)' has unsupported data type \(t.type)")
        }
    }

    /// Records an activation's inferred shape, checking it against what the file declares (batch 1).
    /// Each is written once: an operator output that is the model input, another operator's output or
    /// a weight is refused.
    mutating func set(_ index: Int, shape: [Int], type: ElementType) throws {
        guard graph.values[index] == nil, model.data(of: index) == nil else {
            throw EngineError("tensor '\(tensor(index).name)' is written twice (the model input, a weight or another operator's output)")
        }
        guard shape.allSatisfy({ $0 > 0 }) else { throw EngineError("tensor '\(tensor(index).name)' would have shape \(shape)") }
        let count = try elementCount(shape, of: tensor(index).name)
        let declared = tensor(index).shape
        var expected = shape
        if batch > 1, !expected.isEmpty, expected[0] == batch { expected[0] = 1 }
        guard declared.isEmpty || declared == expected || product(declared) == count / batch else {
            throw EngineError("tensor '\(tensor(index).name)' is declared \(declared) but computes to \(expected)")
        }
        graph.values[index] = Value(name: tensor(index).name, shape: shape, type: type, data: nil)
    }

    /// The number of elements of `shape`, nil when a dimension is negative or the product is over the limit.
    func product(_ shape: [Int]) -> Int? {
        var count = 1
        for dim in shape {
            let (next, overflow) = count.multipliedReportingOverflow(by: dim)
            guard dim >= 0, !overflow, next <= Graph.maxElements else { return nil }
            count = next
        }
        return count
    }

    func elementCount(_ shape: [Int], of name: String) throws -> Int {
        guard let count = product(shape) else { throw EngineError("tensor '\(name)' with shape \(shape) is too large") }
        return count
    }

    /// An activation input: must already be produced by an earlier operator (or be the model input).
    func activation(_ index: Int) throws -> Value {
        guard index >= 0, let v = graph.values[index], v.data == nil else {
            throw EngineError("input tensor \(index >= 0 ? "'\(tensor(index).name)'" : "(omitted)") is not computed by an earlier operator")
        }
        return v
    }

    /// A tensor an operator requires: TFLite's −1 ("omitted") is refused where an input is not optional.
    func required(_ index: Int) throws -> Tensor {
        guard index >= 0 else { throw EngineError("a required input is omitted (tensor -1)") }
        return tensor(index)
    }

    /// A constant (weight) input of the expected rank, with data of exactly the right size.
    mutating func constant(_ index: Int, rank: Int, type expected: ElementType? = nil) throws -> Value {
        let t = try required(index)
        guard let data = model.data(of: index) else { throw EngineError("'\(t.name)' must be a constant") }
        guard t.shape.count == rank else { throw EngineError("constant '\(t.name)' has shape \(t.shape); rank \(rank) expected") }
        let type = try elementType(index)
        if let expected, type != expected, !(type.isQuint8 && expected.isQuint8) {
            throw EngineError("constant '\(t.name)' is \(t.type), which does not fit this operator's other tensors")
        }
        let count = try elementCount(t.shape, of: t.name)
        guard data.count == count * type.size, t.shape.allSatisfy({ $0 > 0 }) else {
            throw EngineError("constant '\(t.name)' has \(data.count) bytes of data for shape \(t.shape)")
        }
        let value = Value(name: t.name, shape: t.shape, type: type, data: data)
        graph.values[index] = value
        return value
    }

    /// An int32 tensor whose value is known at load time.
    func integers(_ index: Int) throws -> [Int] {
        if let known = integers[index] { return known }
        let t = try required(index)
        guard t.type == .int32, let data = model.data(of: index), data.count % 4 == 0 else {
            throw EngineError("'\(t.name)' must be a constant int32 tensor")
        }
        return (0..<data.count / 4).map { Int(Int32(littleEndian: data.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
    }

    func operands(_ op: Operator, inputs: ClosedRange<Int>, outputs: Int = 1) throws {
        guard inputs.contains(op.inputs.count), op.outputs.count == outputs else {
            throw EngineError("has \(op.inputs.count) inputs and \(op.outputs.count) outputs")
        }
    }

    // MARK: - operators

    mutating func lower(_ op: Operator) throws {
        switch (op.code, op.options) {
        case (.conv2D, .conv2D(let o)):
            try convolution(op, padding: o.padding, strideH: o.strideH, strideW: o.strideW,
                            dilationH: o.dilationH, dilationW: o.dilationW, activation: o.activation, depthMultiplier: nil)
        case (.depthwiseConv2D, .depthwiseConv2D(let o)):
            try convolution(op, padding: o.padding, strideH: o.strideH, strideW: o.strideW,
                            dilationH: o.dilationH, dilationW: o.dilationW, activation: o.activation,
                            depthMultiplier: o.depthMultiplier)
        case (.averagePool2D, .pool2D(let o)):
            try averagePool(op, o)
        case (.mean, .reducer(let keepDims)):
            try mean(op, keepDims: keepDims)
        case (.reshape, .reshape), (.reshape, .none):
            try operands(op, inputs: 1...2)
            var newShape: [Int]?
            if case .reshape(let shape) = op.options { newShape = shape }
            let target = op.inputs.count == 2 && op.inputs[1] >= 0 ? try integers(op.inputs[1]) : newShape
            try reshape(op, to: target ?? tensor(op.outputs[0]).shape)
        case (.squeeze, .squeeze), (.squeeze, .none):
            try operands(op, inputs: 1...1)
            try reshape(op, to: tensor(op.outputs[0]).shape)
        case (.fullyConnected, .fullyConnected(let activation, let keepNumDims)):
            try fullyConnected(op, activation: activation, keepNumDims: keepNumDims)
        case (.add, .add(let activation)):
            try add(op, activation: activation)
        case (.softmax, .softmax(let beta)):
            try operands(op, inputs: 1...1)
            guard beta == 1 else { throw EngineError("beta \(beta) is not supported (only 1)") }
            let x = try activation(op.inputs[0]), type = try elementType(op.outputs[0])
            // float to float in XNNPACK, uint8 to uint8 on the host (Engine): nothing in between.
            guard x.type == type || (x.type.isQuint8 && type.isQuint8) else {
                throw EngineError("input '\(x.name)' and output '\(tensor(op.outputs[0]).name)' differ in type")
            }
            try set(op.outputs[0], shape: x.shape, type: type)
            graph.nodes.append(.softmax(input: op.inputs[0], output: op.outputs[0]))
        case (.shape, _):
            try operands(op, inputs: 1...1)
            let x = try activation(op.inputs[0])
            integers[op.outputs[0]] = x.shape
        case (.stridedSlice, .stridedSlice(let o)):
            try stridedSlice(op, o)
        case (.pack, .pack(_, let axis)):
            let parts = try op.inputs.map { try integers($0) }
            guard axis == 0, parts.allSatisfy({ $0.count == 1 }), op.outputs.count == 1 else {
                throw EngineError("only packing scalars along axis 0 is supported")
            }
            integers[op.outputs[0]] = parts.map { $0[0] }
        case (.custom, _):
            throw EngineError("custom operator '\(op.customName ?? "?")' is not supported")
        case (.conv2D, _), (.depthwiseConv2D, _), (.averagePool2D, _), (.mean, _), (.reshape, _),
             (.fullyConnected, _), (.add, _), (.softmax, _), (.stridedSlice, _), (.pack, _), (.squeeze, _):
            throw EngineError("options do not match the operator")
        default:
            throw EngineError("unsupported operator \(op.code)")
        }
    }

    func same(_ input: Int, kernel: Int, stride: Int, dilation: Int) -> (output: Int, before: Int, after: Int) {
        let output = (input + stride - 1) / stride
        let effective = (kernel - 1) * dilation + 1
        let total = max((output - 1) * stride + effective - input, 0)
        return (output, total / 2, total - total / 2)
    }

    func outputSize(_ input: Int, kernel: Int, stride: Int, dilation: Int, padding: TFLite.Padding) throws -> (Int, Int, Int) {
        guard stride > 0, stride <= 64, dilation > 0, dilation <= 64, kernel > 0, kernel <= 64 else {
            throw EngineError("kernel \(kernel), stride \(stride), dilation \(dilation) out of range")
        }
        if padding == .same { return same(input, kernel: kernel, stride: stride, dilation: dilation) }
        let effective = (kernel - 1) * dilation + 1
        guard input >= effective else { throw EngineError("kernel \(kernel) larger than input \(input)") }
        return ((input - effective) / stride + 1, 0, 0)
    }

    mutating func convolution(_ op: Operator, padding: TFLite.Padding, strideH: Int, strideW: Int,
                              dilationH: Int, dilationW: Int, activation act: Activation, depthMultiplier: Int?) throws {
        try operands(op, inputs: 2...3)
        let x = try activation(op.inputs[0])
        guard x.shape.count == 4 else { throw EngineError("input has shape \(x.shape); 4-D expected") }
        let outType = try elementType(op.outputs[0])
        let filter = try constant(op.inputs[1], rank: 4, type: x.type)
        guard x.type == outType || (x.type.isQuint8 && outType.isQuint8) else {
            throw EngineError("input and output types differ")
        }
        let inC = x.shape[3]
        let depthwise = depthMultiplier != nil
        let kH = filter.shape[1], kW = filter.shape[2]
        let outC: Int
        if let multiplier = depthMultiplier {
            outC = filter.shape[3]
            guard filter.shape[0] == 1, multiplier >= 0, outC % inC == 0 else {
                throw EngineError("filter \(filter.shape) does not fit input channels \(inC)")
            }
        } else {
            outC = filter.shape[0]
            guard filter.shape[3] == inC else { throw EngineError("filter \(filter.shape) does not fit input channels \(inC)") }
        }
        var bias: Int?
        if op.inputs.count == 3, op.inputs[2] >= 0 {
            let biasType: ElementType
            if case .quint8(let inScale, _) = x.type, case .quint8(let fScale, _) = filter.type {
                biasType = .qint32(scale: inScale * fScale)
            } else { biasType = .float32 }
            let b = try constant(op.inputs[2], rank: 1)
            guard b.shape[0] == outC else { throw EngineError("bias has \(b.shape[0]) values for \(outC) channels") }
            if case .qint32(let s) = b.type, case .qint32(let expected) = biasType, abs(s - expected) > expected * 1e-3 {
                throw EngineError("bias scale \(s) is not input scale × filter scale (\(expected))")
            }
            guard (b.type == .float32) == (biasType == .float32) else { throw EngineError("bias type does not fit the input") }
            bias = op.inputs[2]
        }
        let (outH, top, bottom) = try outputSize(x.shape[1], kernel: kH, stride: strideH, dilation: dilationH, padding: padding)
        let (outW, left, right) = try outputSize(x.shape[2], kernel: kW, stride: strideW, dilation: dilationW, padding: padding)
        try set(op.outputs[0], shape: [x.shape[0], outH, outW, outC], type: outType)
        graph.nodes.append(.convolution(Convolution(
            input: op.inputs[0], filter: op.inputs[1], bias: bias, output: op.outputs[0],
            kernelH: kH, kernelW: kW, strideH: strideH, strideW: strideW, dilationH: dilationH, dilationW: dilationW,
            padding: Padding2D(top: top, right: right, bottom: bottom, left: left),
            groups: depthwise ? inC : 1,
            groupInputChannels: depthwise ? 1 : inC, groupOutputChannels: depthwise ? outC / inC : outC,
            clamp: try Clamp(act, op: "\(op.code)"), depthwise: depthwise)))
    }

    mutating func averagePool(_ op: Operator, _ o: Pool2DOptions) throws {
        try operands(op, inputs: 1...1)
        let x = try activation(op.inputs[0])
        guard x.shape.count == 4 else { throw EngineError("input has shape \(x.shape); 4-D expected") }
        let clamp = try Clamp(o.activation, op: "AVERAGE_POOL_2D")
        let type = try elementType(op.outputs[0])
        let (outH, top, bottom) = try outputSize(x.shape[1], kernel: o.filterH, stride: o.strideH, dilation: 1, padding: o.padding)
        let (outW, left, right) = try outputSize(x.shape[2], kernel: o.filterW, stride: o.strideW, dilation: 1, padding: o.padding)
        try set(op.outputs[0], shape: [x.shape[0], outH, outW, x.shape[3]], type: type)
        if o.padding == .valid, o.filterH == x.shape[1], o.filterW == x.shape[2] {
            graph.featureMap = (op.inputs[0], graph.nodes.count)
            graph.nodes.append(.globalAveragePool(input: op.inputs[0], output: op.outputs[0], clamp: clamp))
            graph.embedding = (op.outputs[0], graph.nodes.count)
        } else {
            guard x.type == .float32 else { throw EngineError("uint8 AVERAGE_POOL_2D is supported only over the whole input") }
            graph.nodes.append(.averagePool(input: op.inputs[0], output: op.outputs[0], filterH: o.filterH, filterW: o.filterW,
                                            strideH: o.strideH, strideW: o.strideW,
                                            padding: Padding2D(top: top, right: right, bottom: bottom, left: left), clamp: clamp))
        }
    }

    mutating func mean(_ op: Operator, keepDims: Bool) throws {
        try operands(op, inputs: 2...2)
        let x = try activation(op.inputs[0])
        let axes = Set(try integers(op.inputs[1]).map { $0 < 0 ? $0 + x.shape.count : $0 })
        guard x.shape.count == 4, axes == [1, 2] else { throw EngineError("only MEAN over height and width of a 4-D tensor is supported") }
        let type = try elementType(op.outputs[0])
        let pooled = [x.shape[0], 1, 1, x.shape[3]]
        graph.featureMap = (op.inputs[0], graph.nodes.count)
        if keepDims {
            try set(op.outputs[0], shape: pooled, type: type)
            graph.nodes.append(.globalAveragePool(input: op.inputs[0], output: op.outputs[0], clamp: .none))
        } else {
            graph.values.append(Value(name: tensor(op.outputs[0]).name + "/pooled", shape: pooled, type: type, data: nil))
            let pooledIndex = graph.values.count - 1
            try set(op.outputs[0], shape: [x.shape[0], x.shape[3]], type: type)
            graph.nodes.append(.globalAveragePool(input: op.inputs[0], output: pooledIndex, clamp: .none))
            graph.nodes.append(.reshape(input: pooledIndex, output: op.outputs[0]))
        }
        graph.embedding = (op.outputs[0], graph.nodes.count)
    }

    mutating func reshape(_ op: Operator, to requested: [Int]) throws {
        let x = try activation(op.inputs[0])
        var shape = requested
        let count = x.count
        if let unknown = shape.firstIndex(of: -1) {
            var rest = shape
            rest.remove(at: unknown)
            guard let known = product(rest), known > 0, count % known == 0 else {
                throw EngineError("cannot reshape \(x.shape) to \(requested)")
            }
            shape[unknown] = count / known
        }
        // The batch dimension passes through reshapes whose target was written for batch 1.
        let batch = x.shape[0]
        if batch > 1, shape.first == 1, product(shape).map({ $0 * batch }) == count { shape[0] = batch }
        guard product(shape) == count else {
            throw EngineError("cannot reshape \(x.shape) to \(requested)")
        }
        try set(op.outputs[0], shape: shape, type: try elementType(op.outputs[0]))
        guard graph.values[op.outputs[0]]!.type == x.type else { throw EngineError("reshape changes the quantization") }
        graph.nodes.append(.reshape(input: op.inputs[0], output: op.outputs[0]))
    }

    mutating func fullyConnected(_ op: Operator, activation act: Activation, keepNumDims: Bool) throws {
        try operands(op, inputs: 2...3)
        let x = try activation(op.inputs[0])
        let filter = try constant(op.inputs[1], rank: 2, type: x.type)
        let outputs = filter.shape[0], inputs = filter.shape[1]
        guard x.count % inputs == 0, !keepNumDims else {
            throw EngineError("input \(x.shape) does not fit weights \(filter.shape)\(keepNumDims ? " (keep_num_dims)" : "")")
        }
        var bias: Int?
        if op.inputs.count == 3, op.inputs[2] >= 0 {
            let b = try constant(op.inputs[2], rank: 1)
            guard b.shape[0] == outputs, (b.type == .float32) == (x.type == .float32) else {
                throw EngineError("bias \(b.shape) does not fit \(outputs) outputs")
            }
            bias = op.inputs[2]
        }
        try set(op.outputs[0], shape: [x.count / inputs, outputs], type: try elementType(op.outputs[0]))
        graph.nodes.append(.fullyConnected(input: op.inputs[0], filter: op.inputs[1], bias: bias, output: op.outputs[0],
                                           clamp: try Clamp(act, op: "FULLY_CONNECTED")))
    }

    mutating func add(_ op: Operator, activation act: Activation) throws {
        try operands(op, inputs: 2...2)
        let a = try activation(op.inputs[0]), b = try activation(op.inputs[1])
        guard a.shape == b.shape else { throw EngineError("adding shapes \(a.shape) and \(b.shape) is not supported") }
        try set(op.outputs[0], shape: a.shape, type: try elementType(op.outputs[0]))
        graph.nodes.append(.add(a: op.inputs[0], b: op.inputs[1], output: op.outputs[0], clamp: try Clamp(act, op: "ADD")))
    }

    mutating func stridedSlice(_ op: Operator, _ o: StridedSliceOptions) throws {
        try operands(op, inputs: 4...4)
        let x = try integers(op.inputs[0])
        let begin = try integers(op.inputs[1]), end = try integers(op.inputs[2]), strides = try integers(op.inputs[3])
        guard begin.count == 1, end.count == 1, strides.count == 1, strides[0] > 0,
              o.ellipsisMask == 0, o.newAxisMask == 0 else {
            throw EngineError("only 1-D slices with a positive stride are folded")
        }
        let n = x.count
        func clamped(_ i: Int) -> Int { min(max(i < 0 ? i + n : i, 0), n) }
        let lower = o.beginMask & 1 != 0 ? 0 : clamped(begin[0])
        let upper = o.endMask & 1 != 0 ? n : clamped(end[0])
        var slice = stride(from: lower, to: upper, by: strides[0]).map { x[$0] }
        if o.shrinkAxisMask & 1 != 0 {
            guard lower < n else { throw EngineError("slice index out of range") }
            slice = [x[lower]]
        }
        integers[op.outputs[0]] = slice
    }
}
