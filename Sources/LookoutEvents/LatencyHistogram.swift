/// Capture-to-classification latencies since lookoutd started, counted into fixed buckets, as the
/// heartbeat carries them (`latency_buckets_ms`: cumulative counts keyed by upper bound in ms, plus
/// "+Inf"; `latency_sum_ms`): enough for a Prometheus histogram without a sample per classification.
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds in ms: a fast desktop (5 ms) to an emulated or throttled board (10 s).
    public static let boundsMs: [Double] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]

    public private(set) var counts = [UInt64](repeating: 0, count: boundsMs.count)
    public private(set) var total: UInt64 = 0
    public private(set) var sumMs = 0.0

    public init() {}

    public mutating func observe(_ ms: Double) {
        for (index, bound) in Self.boundsMs.enumerated() where ms <= bound { counts[index] += 1 }
        total += 1
        sumMs += ms
    }

    /// The heartbeat's `latency_buckets_ms` object.
    public var buckets: [String: UInt64] {
        var out = ["+Inf": total]
        for (bound, count) in zip(Self.boundsMs, counts) { out["\(Int(bound))"] = count }
        return out
    }
}
