import Foundation
import LookoutImaging
import LookoutTestSupport
import XCTest

/// Files where a picture is expected that would block or burn the reader: each is refused in one line
/// naming the file and the cause.
final class HostileFileTests: XCTestCase {
    /// A FIFO with no writer blocked open(2) forever, and a device read without end. Both are refused
    /// from their type alone; should the check regress, the test opens the FIFO's other end itself
    /// (so it fails instead of hanging).
    func testFIFOsAndDevicesAreRefusedWithoutBlocking() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let fifo = folder.appendingPathComponent("camera.jpg").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let zero = folder.appendingPathComponent("zero.png").path
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")

        for (path, kind) in [(fifo, "a FIFO"), (zero, "a device"), (folder.path, "a folder")] {
            final class Outcome: @unchecked Sendable { var error: String? }  // written before `done` is signalled
            let done = DispatchSemaphore(value: 0), outcome = Outcome()
            Thread {
                do { _ = try ImagePreprocessor.load(file: path, size: 224) } catch { outcome.error = "\(error)" }
                done.signal()
            }.start()
            if done.wait(timeout: .now() + patience) == .timedOut {
                let writer = open(fifo, O_WRONLY | O_NONBLOCK)
                if writer >= 0 { close(writer) }
                done.wait()
                XCTFail("\(path): reading blocked")
            }
            XCTAssertEqual(outcome.error, "\(path): \(kind), not a regular file")
        }
    }

    /// A progressive JPEG is a series of scans, each refining the last: thousands of them cost CPU
    /// for nothing. One made here with 2,688 valid scans (every coefficient band of every component
    /// refined bit by bit) is refused; the same picture in 192 scans decodes.
    func testProgressiveJPEGWithThousandsOfScansIsRefused() throws {
        let few = progressiveJPEG(successiveBits: 0)
        let image = try ImageDecoder.decode(few.bytes, name: "few.jpg")
        XCTAssertEqual([image.width, image.height], [8, 8])
        XCTAssertEqual(Set(image.pixels), [128], "all coefficients zero: mid grey")
        XCTAssertEqual(few.scans, 192)

        let many = progressiveJPEG(successiveBits: 13)
        XCTAssertEqual(many.scans, 2688)
        XCTAssertThrowsError(try ImageDecoder.decode(many.bytes, name: "scans.jpg")) { error in
            XCTAssertEqual("\(error)", "scans.jpg: corrupt or truncated JPEG data (Progressive JPEG image has more than 500 scans)")
        }
    }

    /// An 8×8 YCbCr progressive JPEG whose coefficients are all zero. Each component gets its own
    /// scans: DC first, then each AC coefficient as its own band; with `successiveBits` n each of
    /// those is sent n + 1 times, at bit n first and refined one bit at a time down to bit 0 — a
    /// valid progression (ITU T.81 G.1.1.1), 3 × 64 × (n + 1) scans. One Huffman code ("0") stands
    /// for DC difference 0 and for end-of-band, so each scan's data is one bit, padded with ones.
    func progressiveJPEG(successiveBits n: UInt8) -> (bytes: [UInt8], scans: Int) {
        func segment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
            [0xFF, marker, UInt8((body.count + 2) >> 8), UInt8((body.count + 2) & 0xFF)] + body
        }
        let oneCode = [UInt8]([1] + [UInt8](repeating: 0, count: 15) + [0])  // one code of length 1 for symbol 0
        var jpeg: [UInt8] = [0xFF, 0xD8]
        jpeg += segment(0xDB, [0] + [UInt8](repeating: 1, count: 64))
        jpeg += segment(0xC2, [8, 0, 8, 0, 8, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0])
        jpeg += segment(0xC4, [0x00] + oneCode + [0x10] + oneCode)
        var scans = 0
        for component: UInt8 in 1...3 {
            for band: UInt8 in 0...63 {
                for bit in stride(from: Int(n), through: 0, by: -1) {
                    let high = bit == Int(n) ? 0 : UInt8(bit + 1)
                    jpeg += segment(0xDA, [1, component, 0x00, band, band, high << 4 | UInt8(bit)]) + [0x7F]
                    scans += 1
                }
            }
        }
        return (jpeg + [0xFF, 0xD9], scans)
    }
}
