// The parts of TensorFlow Lite's schema (tensorflow/compiler/mlir/lite/schema/schema.fbs) that Lookout reads.
// Field indices below are the declaration order in that schema.

public enum TensorType: Int8, Sendable, CustomStringConvertible {
    case float32 = 0, float16 = 1, int32 = 2, uint8 = 3, int64 = 4, string = 5, bool = 6, int16 = 7,
         complex64 = 8, int8 = 9, float64 = 10

    /// Bytes per element, nil for variable-size types.
    public var size: Int? {
        switch self {
        case .float32, .int32: 4
        case .float16, .int16: 2
        case .uint8, .int8, .bool: 1
        case .int64, .complex64, .float64: 8
        case .string: nil
        }
    }

    public var description: String {
        switch self {
        case .float32: "float32"
        case .float16: "float16"
        case .int32: "int32"
        case .uint8: "uint8"
        case .int64: "int64"
        case .string: "string"
        case .bool: "bool"
        case .int16: "int16"
        case .complex64: "complex64"
        case .int8: "int8"
        case .float64: "float64"
        }
    }
}

/// A builtin operator code. Unknown codes are kept (and named by number) so errors can report them.
public struct BuiltinOperator: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let add = Self(rawValue: 0)
    public static let averagePool2D = Self(rawValue: 1)
    public static let conv2D = Self(rawValue: 3)
    public static let depthwiseConv2D = Self(rawValue: 4)
    public static let fullyConnected = Self(rawValue: 9)
    public static let reshape = Self(rawValue: 22)
    public static let softmax = Self(rawValue: 25)
    public static let custom = Self(rawValue: 32)
    public static let mean = Self(rawValue: 40)
    public static let squeeze = Self(rawValue: 43)
    public static let stridedSlice = Self(rawValue: 45)
    public static let shape = Self(rawValue: 77)
    public static let pack = Self(rawValue: 83)

    public var description: String {
        rawValue >= 0 && Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "BUILTIN_\(rawValue)"
    }

    // Names of codes 0...145, for error messages that name an unsupported operator.
    static let names = """
        ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP FLOOR \
        FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC \
        LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH \
        SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER \
        BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE \
        BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM \
        ARG_MAX MINIMUM LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE \
        TILE EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK \
        LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL \
        FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE CEIL \
        REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE MATRIX_SET_DIAG ROUND \
        HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND SELECT_V2 DENSIFY SEGMENT_SUM \
        BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE BROADCAST_TO RFFT2D CONV_3D IMAG REAL \
        COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE \
        READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS
        """.split(separator: " ").map(String.init)
}

public enum Padding: Int8, Sendable { case same = 0, valid = 1 }

public enum Activation: Int8, Sendable, CustomStringConvertible {
    case none = 0, relu = 1, reluN1To1 = 2, relu6 = 3, tanh = 4, signBit = 5

    public var description: String {
        switch self {
        case .none: "NONE"
        case .relu: "RELU"
        case .reluN1To1: "RELU_N1_TO_1"
        case .relu6: "RELU6"
        case .tanh: "TANH"
        case .signBit: "SIGN_BIT"
        }
    }
}

public struct Conv2DOptions: Sendable {
    public var padding: Padding, strideW: Int, strideH: Int, activation: Activation, dilationW: Int, dilationH: Int
}

public struct DepthwiseConv2DOptions: Sendable {
    public var padding: Padding, strideW: Int, strideH: Int, depthMultiplier: Int, activation: Activation,
               dilationW: Int, dilationH: Int
}

public struct Pool2DOptions: Sendable {
    public var padding: Padding, strideW: Int, strideH: Int, filterW: Int, filterH: Int, activation: Activation
}

public struct StridedSliceOptions: Sendable {
    public var beginMask: Int32, endMask: Int32, ellipsisMask: Int32, newAxisMask: Int32, shrinkAxisMask: Int32
}

/// The builtin options an operator carries, decoded for the union members Lookout maps.
public enum OperatorOptions: Sendable {
    case none
    case conv2D(Conv2DOptions)
    case depthwiseConv2D(DepthwiseConv2DOptions)
    case pool2D(Pool2DOptions)
    case fullyConnected(activation: Activation, keepNumDims: Bool)
    case softmax(beta: Float)
    case add(activation: Activation)
    case reshape(newShape: [Int]?)
    case reducer(keepDims: Bool)
    case squeeze(dims: [Int])
    case stridedSlice(StridedSliceOptions)
    case pack(valuesCount: Int, axis: Int)
    /// A union member Lookout does not decode, by its union tag.
    case other(tag: UInt8)
}

extension OperatorOptions {
    // BuiltinOptions union tags.
    static func decode(tag: UInt8, table: Table?) throws -> OperatorOptions {
        guard let t = table else { return .none }
        func padding(_ i: Int) throws -> Padding {
            let raw = try t.scalar(i, default: Int8(0))
            guard let p = Padding(rawValue: raw) else { throw FlatBufferError("unknown padding \(raw)") }
            return p
        }
        func activation(_ i: Int) throws -> Activation {
            let raw = try t.scalar(i, default: Int8(0))
            guard let a = Activation(rawValue: raw) else { throw FlatBufferError("unknown fused activation \(raw)") }
            return a
        }
        func int(_ i: Int, _ d: Int32) throws -> Int { Int(try t.scalar(i, default: d)) }
        switch tag {
        case 1:
            return .conv2D(.init(padding: try padding(0), strideW: try int(1, 0), strideH: try int(2, 0),
                                 activation: try activation(3), dilationW: try int(4, 1), dilationH: try int(5, 1)))
        case 2:
            return .depthwiseConv2D(.init(padding: try padding(0), strideW: try int(1, 0), strideH: try int(2, 0),
                                          depthMultiplier: try int(3, 0), activation: try activation(4),
                                          dilationW: try int(5, 1), dilationH: try int(6, 1)))
        case 5:
            return .pool2D(.init(padding: try padding(0), strideW: try int(1, 0), strideH: try int(2, 0),
                                 filterW: try int(3, 0), filterH: try int(4, 0), activation: try activation(5)))
        case 8:
            return .fullyConnected(activation: try activation(0), keepNumDims: try t.bool(2, default: false))
        case 9:
            return .softmax(beta: try t.float(0, default: 0))
        case 11:
            return .add(activation: try activation(0))
        case 17:
            let shape = try t.vector(0, elementSize: 4, "reshape new_shape")?.scalars(Int32.self).map(Int.init)
            return .reshape(newShape: shape)
        case 27:
            return .reducer(keepDims: try t.bool(0, default: false))
        case 30:
            let dims = try t.vector(0, elementSize: 4, "squeeze_dims")?.scalars(Int32.self).map(Int.init) ?? []
            return .squeeze(dims: dims)
        case 32:
            return .stridedSlice(.init(beginMask: try t.scalar(0, default: 0), endMask: try t.scalar(1, default: 0),
                                       ellipsisMask: try t.scalar(2, default: 0),
                                       newAxisMask: try t.scalar(3, default: 0),
                                       shrinkAxisMask: try t.scalar(4, default: 0)))
        case 59:
            return .pack(valuesCount: try int(0, 0), axis: try int(1, 0))
        default:
            return .other(tag: tag)
        }
    }
}
