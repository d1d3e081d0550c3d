import TFLite

/// What `lookout model info` shows: tensors in and out, operators, size and cost of one inference.
public struct ModelSummary: Sendable, Codable {
    public struct TensorSummary: Sendable, Codable {
        public let name: String
        public let shape: [Int]
        public let type: String
        public let scale: Float?
        public let zeroPoint: Int64?
    }

    public let input: TensorSummary
    public let output: TensorSummary
    /// Operator name → how many times the model uses it, in the file's terms (before lowering).
    public let operators: [String: Int]
    /// Learned values: weights and biases of convolutions and fully connected layers.
    public let parameters: Int
    /// Multiply-accumulates of one inference (batch 1).
    public let multiplyAccumulates: Int
    public let embeddingSize: Int?
}

extension Engine {
    public var summary: ModelSummary {
        func describe(_ index: Int) -> ModelSummary.TensorSummary {
            let t = model.tensors[index]
            return .init(name: t.name, shape: t.shape, type: t.type.description,
                         scale: t.quantization?.scale.first, zeroPoint: t.quantization?.zeroPoint.first)
        }
        // Sizes are bounded by the lowering, but their products need not fit an Int: add in Double.
        var parameters = 0.0, macs = 0.0
        for node in graph.nodes {
            switch node {
            case .convolution(let c):
                let out = graph.values[c.output]!.shape
                parameters += Double(graph.values[c.filter]!.count + (c.bias.map { graph.values[$0]!.count } ?? 0))
                macs += Double(out[1] * out[2] * out[3]) * Double(c.kernelH * c.kernelW * c.groupInputChannels)
            case .fullyConnected(_, let filter, let bias, _, _):
                parameters += Double(graph.values[filter]!.count + (bias.map { graph.values[$0]!.count } ?? 0))
                macs += Double(graph.values[filter]!.count)
            default:
                break
            }
        }
        return ModelSummary(input: describe(graph.input), output: describe(graph.output),
                            operators: model.operators.reduce(into: [:]) { $0[$1.code.description, default: 0] += 1 },
                            parameters: Int(min(parameters, 1e18)), multiplyAccumulates: Int(min(macs, 1e18)), embeddingSize: embeddingSize)
    }
}
