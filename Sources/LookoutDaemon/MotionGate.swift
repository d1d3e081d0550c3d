import LookoutImaging

/// Skips classification while the scene holds still: a frame is compared with the last classified
/// one on a 32×32 grey thumbnail (mean absolute difference, 0–255), made from the raw frame before
/// any conversion; below `threshold` it is skipped, unless `maxSkipSeconds` passed since the last
/// classification. lookoutd looks at a still scene no more often than it may classify
/// (`classify.max_rate`), so a still scene costs the captures and a few thumbnails a second.
public struct MotionGate: Sendable {
    public let threshold: Double
    public let maxSkipSeconds: Double
    private var reference: [UInt8]?
    private var lastPassed = -Double.infinity

    public init(threshold: Double, maxSkipSeconds: Double) {
        (self.threshold, self.maxSkipSeconds) = (threshold, maxSkipSeconds)
    }

    public static let side = 32

    /// Whether to classify the frame with this thumbnail (`greyThumbnail`, side×side); when it
    /// does, the thumbnail becomes the new reference.
    public mutating func shouldClassify(thumbnail cells: [UInt8], now: Double) -> Bool {
        if let reference, now - lastPassed < maxSkipSeconds {
            let difference = zip(cells, reference).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) }
            if Double(difference) / Double(cells.count) < threshold { return false }
        }
        reference = cells
        lastPassed = now
        return true
    }
}
