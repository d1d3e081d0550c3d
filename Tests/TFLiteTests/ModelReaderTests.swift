import Foundation
import LookoutTestSupport
@testable import TFLite
import XCTest

final class ModelReaderTests: XCTestCase {
    func testReadsEverySharedModel() throws {
        for name in Fixtures.modelNames {
            let model = try Model.load(contentsOf: Fixtures.model(name))
            let input = model.tensors[model.inputs[0]]
            let side = Int(name.split(separator: "_")[3].prefix(3))!
            XCTAssertEqual(input.shape, [1, side, side, 3], name)
            XCTAssertEqual(input.type, name.contains("quant.") || name.contains("quant_") ? .uint8 : .float32, name)
            // 13 depthwise separable blocks: 13 depthwise and 14 or 15 pointwise/stem convolutions.
            XCTAssertEqual(model.operators.filter { $0.code == .depthwiseConv2D }.count, 13, name)
            XCTAssertGreaterThanOrEqual(model.operators.filter { $0.code == .conv2D }.count, 14, name)
            for op in model.operators where op.code == .conv2D {
                guard case .conv2D(let options) = op.options else { return XCTFail("\(name): conv without options") }
                XCTAssertTrue([1, 2].contains(options.strideW), name)
                XCTAssertTrue([Activation.none, .relu6].contains(options.activation), name)
            }
        }
    }

    func testQuantizationParametersOfTheUint8Input() throws {
        let model = try Model.load(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite"))
        let q = try XCTUnwrap(model.tensors[model.inputs[0]].quantization)
        XCTAssertEqual(q.scale, [0.0078125])
        XCTAssertEqual(q.zeroPoint, [128])
    }

    func testKerasModelUsesShapeArithmetic() throws {
        let model = try Model.load(contentsOf: Fixtures.model("mobilenet_v1_0.75_224.tflite"))
        let codes = Set(model.operators.map(\.code))
        XCTAssertTrue(codes.isSuperset(of: [.shape, .stridedSlice, .pack, .reshape, .mean]), "\(codes)")
    }

    func testRejectsFilesThatAreNotTFLite() {
        for (bytes, expected) in [([UInt8](), "too short"), (Array("hello world, not a model".utf8), "TFL3"),
                                  ([8, 0, 0, 0] + Array("TFL3".utf8), "outside")] {
            XCTAssertThrowsError(try Model(bytes: ModelBytes(Data(bytes)))) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
