import Foundation
import LookoutEngine
import LookoutTestSupport
@testable import TFLite
import XCTest

/// Corrupt models must give an error, never a trap, an out-of-bounds read or an unbounded allocation.
final class HostileModelTests: XCTestCase {
    /// Loads and, when that succeeds, runs the model: whatever the bytes, this returns.
    @discardableResult
    func attempt(_ bytes: [UInt8], run: Bool = false) -> Error? {
        do {
            let engine = try Engine(model: try Model(bytes: ModelBytes(Data(bytes))))
            if run { _ = try engine.scores(for: [UInt8](repeating: 128, count: engine.input.pixelCount)) }
            return nil
        } catch {
            return error
        }
    }

    /// Byte ranges of the file that are flatbuffer structure rather than weight data.
    func structure(of bytes: [UInt8]) throws -> [Int] {
        let model = try Model(bytes: ModelBytes(Data(bytes)))
        var isData = [Bool](repeating: false, count: bytes.count)
        for range in model.buffers { for i in range { isData[i] = true } }
        return isData.indices.filter { !isData[$0] }
    }

    func testTruncatedAtEveryStructuralOffset() throws {
        let bytes = [UInt8](try Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")))
        // Files with TFLite metadata carry a zip of associated files (labels) after the flatbuffer;
        // cutting into that leaves the model whole, so cuts stop at the end of the last weight buffer.
        let end = try Model(bytes: ModelBytes(Data(bytes))).buffers.map(\.upperBound).max()!
        let cuts = try structure(of: bytes).filter { $0 % 7 == 0 && $0 < end } + [0, 1, 4, 8, end - 1]
        for cut in cuts {
            XCTAssertNotNil(attempt(Array(bytes[..<cut])), "truncated to \(cut) bytes but loaded")
        }
    }

    func testRandomBytes() {
        var generator = SplitMix64(seed: 42)
        for length in [8, 64, 1024, 65536] {
            for _ in 0..<50 {
                var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if length >= 8 { bytes.replaceSubrange(4..<8, with: Array("TFL3".utf8)) }
                XCTAssertNotNil(attempt(bytes))
            }
        }
    }

    /// Thousands of bit flips and byte overwrites in the flatbuffer structure of every shared model.
    /// Each mutant must load cleanly or fail with an error; small mutants that load are also run.
    func testMutatedModelsNeverCrash() throws {
        var generator = SplitMix64(seed: 7)
        var loaded = 0, refused = 0
        for name in Fixtures.modelNames {
            let original = [UInt8](try Data(contentsOf: Fixtures.model(name)))
            let positions = try structure(of: original)
            let mutants = original.count < 3_000_000 ? 800 : 250
            for _ in 0..<mutants {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let at = positions[Int.random(in: 0..<positions.count, using: &generator)]
                    if Bool.random(using: &generator) {
                        bytes[at] ^= 1 << UInt8.random(in: 0...7, using: &generator)
                    } else {
                        bytes[at] = [0, 0xFF, 0x7F, 0x80][Int.random(in: 0...3, using: &generator)]
                    }
                }
                if attempt(bytes, run: original.count < 600_000) == nil { loaded += 1 } else { refused += 1 }
            }
        }
        XCTAssertGreaterThan(refused, 100, "mutations should mostly break the file")
        print("mutated models: \(refused) refused with an error, \(loaded) still loaded")
    }

    func testUnsupportedOperatorIsNamed() throws {
        // Turn the AVERAGE_POOL_2D operator code of a real model into MAX_POOL_2D (17).
        var bytes = [UInt8](try Data(contentsOf: Fixtures.model("mobilenet_v1_1.0_224.tflite")))
        try patchOperatorCode(&bytes, from: 1, to: 17)
        let error = try XCTUnwrap(attempt(bytes))
        XCTAssertTrue("\(error)".contains("unsupported operator MAX_POOL_2D"), "\(error)")
    }

    func testUnsupportedDataTypeIsNamed() throws {
        // uint8 input: its type field is stored (a float32 one would be the schema default, left out).
        var bytes = [UInt8](try Data(contentsOf: Fixtures.model("mobilenet_v1_0.25_128_quant.tflite")))
        try withTable(bytes) { fb, root in
            let subgraph = try root.vector(2, elementSize: 4, "subgraphs")!.tables()[0]
            let model = try Model(bytes: ModelBytes(Data(bytes)))
            let tensor = try subgraph.vector(0, elementSize: 4, "tensors")!.tables()[model.inputs[0]]
            let at = try XCTUnwrap(fieldPosition(tensor, 1))
            bytes[at] = UInt8(TensorType.int16.rawValue)
        }
        let error = try XCTUnwrap(attempt(bytes))
        XCTAssertTrue("\(error)".contains("int16"), "\(error)")
    }

    func withTable(_ bytes: [UInt8], _ body: (FlatBuffer, Table) throws -> Void) throws {
        try bytes.withUnsafeBytes { raw in
            let fb = FlatBuffer(raw)
            try body(fb, try fb.root())
        }
    }

    func fieldPosition(_ table: Table, _ index: Int) -> Int? {
        let relative = Int(table.buffer.bytes.loadUnaligned(fromByteOffset: table.vtable + 4 + 2 * index, as: UInt16.self))
        return relative == 0 ? nil : table.position + relative
    }

    func patchOperatorCode(_ bytes: inout [UInt8], from: Int32, to: Int32) throws {
        var patched = false
        var edits: [(Int, [UInt8])] = []
        try withTable(bytes) { _, root in
            for code in try root.vector(1, elementSize: 4, "operator_codes")!.tables() {
                let deprecated = try code.scalar(0, default: Int8(0)), builtin = try code.scalar(3, default: Int32(0))
                guard max(Int32(deprecated), builtin) == from else { continue }
                if let at = fieldPosition(code, 0) { edits.append((at, [UInt8(to)])) }
                if let at = fieldPosition(code, 3) { edits.append((at, withUnsafeBytes(of: to.littleEndian, Array.init))) }
                patched = true
            }
        }
        for (at, value) in edits { bytes.replaceSubrange(at..<at + value.count, with: value) }
        XCTAssertTrue(patched, "no operator code \(from) to patch")
    }
}

/// A small seeded generator, so a failing mutant can be reproduced.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
