import CXNNPACK

/// XNNPACK's process-wide initialisation (it picks the micro-kernels for this CPU at run time).
private let xnnInitialization: xnn_status = xnn_initialize(nil)

/// A thread pool for XNNPACK; nil for one thread, so work runs on the caller's thread.
final class ThreadPool {
    let handle: pthreadpool_t?
    let threads: Int

    init(threads: Int) {
        self.threads = max(1, threads)
        handle = self.threads > 1 ? pthreadpool_create(self.threads) : nil
    }

    deinit { if let handle { pthreadpool_destroy(handle) } }
}

/// One XNNPACK runtime: a prefix of the graph's nodes with its external input and output buffers.
final class XNNRuntime {
    private var runtime: xnn_runtime_t?
    let input: UnsafeMutableRawBufferPointer
    let output: UnsafeMutableRawBufferPointer
    let outputValue: Value

    /// Builds nodes `0..<nodeCount` of `graph`, with `outputIndex` as the external output.
    /// `packed` runs once XNNPACK holds its own copy of the weights, before it allocates activations.
    init(graph: Graph, nodeCount: Int, outputIndex: Int, pool: ThreadPool, packed: () -> Void) throws {
        guard xnnInitialization == xnn_status_success else {
            throw EngineError("XNNPACK cannot run on this CPU (xnn_initialize: \(xnnInitialization.rawValue))")
        }
        var subgraph: xnn_subgraph_t?
        try Self.check(xnn_create_subgraph(2, 0, &subgraph), "creating the subgraph")
        defer { xnn_delete_subgraph(subgraph) }

        var ids: [Int: UInt32] = [:]
        func value(_ index: Int) throws -> UInt32 {
            if let id = ids[index] { return id }
            guard let v = graph.values[index] else { throw EngineError("tensor \(index) has no value") }
            let (external, flags): (UInt32, UInt32) =
                index == graph.input ? (0, UInt32(XNN_VALUE_FLAG_EXTERNAL_INPUT))
                : index == outputIndex ? (1, UInt32(XNN_VALUE_FLAG_EXTERNAL_OUTPUT)) : (XNN_INVALID_VALUE_ID, 0)
            let dims = v.shape.map { Int($0) }
            var id: UInt32 = 0
            let status: xnn_status
            switch v.type {
            case .float32:
                status = xnn_define_tensor_value(subgraph, xnn_datatype_fp32, dims.count, dims, v.data?.baseAddress,
                                                 external, flags, &id)
            case .quint8(let scale, let zeroPoint):
                status = xnn_define_quantized_tensor_value(subgraph, xnn_datatype_quint8, zeroPoint, scale, dims.count, dims,
                                                           v.data?.baseAddress, external, flags, &id)
            case .qint32(let scale):
                status = xnn_define_quantized_tensor_value(subgraph, xnn_datatype_qint32, 0, scale, dims.count, dims,
                                                           v.data?.baseAddress, external, flags, &id)
            }
            try Self.check(status, "defining tensor '\(v.name)'")
            ids[index] = id
            return id
        }
        func optional(_ index: Int?) throws -> UInt32 { try index.map(value) ?? XNN_INVALID_VALUE_ID }

        for node in graph.nodes(nodeCount, producing: outputIndex) {
            let status: xnn_status
            switch node {
            case .convolution(let c) where c.depthwise:
                status = xnn_define_depthwise_convolution_2d(
                    subgraph, UInt32(c.padding.top), UInt32(c.padding.right), UInt32(c.padding.bottom), UInt32(c.padding.left),
                    UInt32(c.kernelH), UInt32(c.kernelW), UInt32(c.strideH), UInt32(c.strideW),
                    UInt32(c.dilationH), UInt32(c.dilationW), UInt32(c.groupOutputChannels), c.groups * c.groupInputChannels,
                    c.clamp.min, c.clamp.max, try value(c.input), try value(c.filter), try optional(c.bias), try value(c.output), 0)
            case .convolution(let c):
                status = xnn_define_convolution_2d(
                    subgraph, UInt32(c.padding.top), UInt32(c.padding.right), UInt32(c.padding.bottom), UInt32(c.padding.left),
                    UInt32(c.kernelH), UInt32(c.kernelW), UInt32(c.strideH), UInt32(c.strideW),
                    UInt32(c.dilationH), UInt32(c.dilationW), UInt32(c.groups), c.groupInputChannels, c.groupOutputChannels,
                    c.clamp.min, c.clamp.max, try value(c.input), try value(c.filter), try optional(c.bias), try value(c.output), 0)
            case .globalAveragePool(let input, let output, let clamp):
                status = lookout_xnn_define_global_average_pooling_2d(subgraph, clamp.min, clamp.max, try value(input), try value(output))
            case .averagePool(let input, let output, let fH, let fW, let sH, let sW, let p, let clamp):
                status = xnn_define_average_pooling_2d(
                    subgraph, UInt32(p.top), UInt32(p.right), UInt32(p.bottom), UInt32(p.left), UInt32(fH), UInt32(fW),
                    UInt32(sH), UInt32(sW), clamp.min, clamp.max, try value(input), try value(output), 0)
            case .fullyConnected(let input, let filter, let bias, let output, let clamp):
                status = xnn_define_fully_connected(subgraph, clamp.min, clamp.max, try value(input), try value(filter),
                                                    try optional(bias), try value(output), UInt32(XNN_FLAG_TENSORFLOW_RESHAPE_2D))
            case .add(let a, let b, let output, let clamp):
                status = lookout_xnn_define_add(subgraph, clamp.min, clamp.max, try value(a), try value(b), try value(output))
            case .reshape(let input, let output):
                let shape = graph.values[output]!.shape
                status = xnn_define_static_reshape(subgraph, shape.count, shape, try value(input), try value(output), 0)
            case .softmax(let input, let output):
                status = xnn_define_softmax(subgraph, try value(input), try value(output), 0)
            }
            try Self.check(status, "defining node producing '\(graph.values[node.output]!.name)'")
        }

        let inputValue = graph.values[graph.input]!
        outputValue = graph.values[outputIndex]!
        try Self.check(xnn_create_runtime_v2(subgraph, pool.handle, 0, &runtime), "creating the runtime")
        packed()
        // XNNPACK's kernels may read up to XNN_EXTRA_BYTES past the end of an input.
        input = .allocate(byteCount: inputValue.count * inputValue.type.size + Int(XNN_EXTRA_BYTES), alignment: 64)
        input.initializeMemory(as: UInt8.self, repeating: 0)
        output = .allocate(byteCount: outputValue.count * outputValue.type.size + Int(XNN_EXTRA_BYTES), alignment: 64)
        let externals = [xnn_external_value(id: 0, data: input.baseAddress), xnn_external_value(id: 1, data: output.baseAddress)]
        try Self.check(lookout_xnn_setup_runtime(runtime, 2, externals), "setting up the runtime")
    }

    func invoke() throws {
        try Self.check(xnn_invoke_runtime(runtime), "running the model")
    }

    deinit {
        if let runtime { xnn_delete_runtime(runtime) }
        input.deallocate()
        output.deallocate()
    }

    static func check(_ status: xnn_status, _ what: String) throws {
        guard status == xnn_status_success else {
            let reason = switch status {
            case xnn_status_invalid_parameter: "invalid parameter"
            case xnn_status_unsupported_parameter: "unsupported parameter"
            case xnn_status_unsupported_hardware: "unsupported hardware"
            case xnn_status_out_of_memory: "out of memory"
            case xnn_status_uninitialized: "XNNPACK not initialised"
            default: "status \(status.rawValue)"
            }
            throw EngineError("XNNPACK failed \(what): \(reason)")
        }
    }
}
