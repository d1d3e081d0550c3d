import LookoutImaging

/// Skips classification while the scene holds still: a frame is compared with the last classified
/// one on a 32×32 grey thumbnail (mean absolute difference, 0–255), far cheaper than an inference;
/// below `threshold` it is skipped, unless `maxSkipSeconds` passed since the last classification.
public struct MotionGate: Sendable {
    public let threshold: Double
    public let maxSkipSeconds: Double
    private var reference: [UInt8]?
    private var lastPassed = -Double.infinity

    public init(threshold: Double, maxSkipSeconds: Double) {
        (self.threshold, self.maxSkipSeconds) = (threshold, maxSkipSeconds)
    }

    static let side = 32

    /// The grey thumbnail: each cell is the mean luma of a block of the image.
    static func thumbnail(_ image: RGBImage) -> [UInt8] {
        var cells = [UInt8](repeating: 0, count: side * side)
        let cellW = max(image.width / side, 1), cellH = max(image.height / side, 1)
        image.pixels.withUnsafeBufferPointer { p in
            for cy in 0..<side {
                for cx in 0..<side {
                    var sum = 0, n = 0
                    // Every other pixel of the block is plenty for a difference measure.
                    for y in stride(from: cy * cellH, to: min((cy + 1) * cellH, image.height), by: 2) {
                        for x in stride(from: cx * cellW, to: min((cx + 1) * cellW, image.width), by: 2) {
                            let i = (y * image.width + x) * 3
                            sum &+= (Int(p[i]) &* 77 &+ Int(p[i + 1]) &* 150 &+ Int(p[i + 2]) &* 29) >> 8
                            n += 1
                        }
                    }
                    cells[cy * side + cx] = UInt8(clamping: n > 0 ? sum / n : 0)
                }
            }
        }
        return cells
    }

    /// Whether to classify `image`; when it does, the image becomes the new reference.
    public mutating func shouldClassify(_ image: RGBImage, now: Double) -> Bool {
        let cells = Self.thumbnail(image)
        if let reference, now - lastPassed < maxSkipSeconds {
            let difference = zip(cells, reference).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            if Double(difference) / Double(cells.count) < threshold { return false }
        }
        reference = cells
        lastPassed = now
        return true
    }
}
