import COpenBLAS
import Foundation

/// Multinomial logistic regression on embeddings: the new classifier head.
///
/// Minimises the weighted mean cross-entropy plus (l2 / 2)·‖W‖² with full-batch L-BFGS from zero,
/// so a given input always gives the same head. Features are standardised for the optimiser's sake
/// and the scaling is folded back into W and b: the head applies to raw embeddings.
public struct SoftmaxRegression {
    public struct Settings: Codable, Sendable {
        public var l2: Float = 1e-4
        public var maxIterations = 300
        /// Stop when the gradient's largest component falls below this.
        public var tolerance: Float = 1e-5
        public var balanceClasses = true
        public init() {}
    }

    public struct Fit {
        public let weights: [Float]  // classes × features, row-major
        public let bias: [Float]
        public let iterations: Int
        public let loss: Float
    }

    /// `features`: n × d row-major; `labels` in 0..<classes.
    public static func fit(features: [Float], labels: [Int], classes: Int, settings: Settings) -> Fit {
        let n = labels.count, d = features.count / max(n, 1), k = classes
        precondition(n > 0 && features.count == n * d)

        // Standardise: z = (x − mean) / std, per feature.
        var mean = [Float](repeating: 0, count: d), scale = [Float](repeating: 0, count: d)
        for i in 0..<n { for j in 0..<d { mean[j] += features[i * d + j] } }
        for j in 0..<d { mean[j] /= Float(n) }
        for i in 0..<n { for j in 0..<d { let c = features[i * d + j] - mean[j]; scale[j] += c * c } }
        for j in 0..<d { scale[j] = 1 / max(sqrt(scale[j] / Float(n)), 1e-6) }
        var z = features
        for i in 0..<n { for j in 0..<d { z[i * d + j] = (z[i * d + j] - mean[j]) * scale[j] } }

        // Sample weights: balanced classes count each class as much as any other.
        var counts = [Int](repeating: 0, count: k)
        for y in labels { counts[y] += 1 }
        var weights = labels.map { settings.balanceClasses ? Float(n) / Float(k * counts[$0]) : 1 }
        let total = weights.reduce(0, +)
        weights = weights.map { $0 / total }

        let objective = Objective(z: z, labels: labels, weights: weights, n: n, d: d, k: k, l2: settings.l2)
        var parameters = [Float](repeating: 0, count: k * d + k)
        let (iterations, loss) = LBFGS.minimize(&parameters, objective.evaluate, maxIterations: settings.maxIterations,
                                                tolerance: settings.tolerance)

        // Fold the standardisation back: W' = W·diag(scale), b' = b − W'·mean.
        var w = Array(parameters[0..<k * d]), b = Array(parameters[k * d..<k * d + k])
        for c in 0..<k {
            var shift: Float = 0
            for j in 0..<d {
                w[c * d + j] *= scale[j]
                shift += w[c * d + j] * mean[j]
            }
            b[c] -= shift
        }
        return Fit(weights: w, bias: b, iterations: iterations, loss: loss)
    }

    /// Loss and gradient over all samples: two matrix products per evaluation.
    struct Objective {
        let z: [Float], labels: [Int], weights: [Float]
        let n: Int, d: Int, k: Int, l2: Float

        func evaluate(_ p: [Float], _ gradient: inout [Float]) -> Float {
            var logits = [Float](repeating: 0, count: n * k)
            // logits = Z · Wᵀ
            p.withUnsafeBufferPointer { w in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(k), Int32(d), 1,
                            z, Int32(d), w.baseAddress, Int32(d), 0, &logits, Int32(k))
            }
            var loss: Float = 0
            // logits become the weighted residuals G = w_i · (softmax − onehot).
            for i in 0..<n {
                var top = -Float.infinity
                for c in 0..<k { logits[i * k + c] += p[k * d + c]; top = max(top, logits[i * k + c]) }
                var sum: Float = 0
                for c in 0..<k { let e = exp(logits[i * k + c] - top); logits[i * k + c] = e; sum += e }
                let y = labels[i]
                loss -= weights[i] * (log(logits[i * k + y] / sum))
                for c in 0..<k { logits[i * k + c] = weights[i] * (logits[i * k + c] / sum - (c == y ? 1 : 0)) }
            }
            // dW = Gᵀ · Z + l2 · W
            for j in 0..<k * d { gradient[j] = l2 * p[j] }
            gradient.withUnsafeMutableBufferPointer { g in
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(d), Int32(n), 1,
                            logits, Int32(k), z, Int32(d), 1, g.baseAddress, Int32(d))
            }
            for c in 0..<k {
                var db: Float = 0
                for i in 0..<n { db += logits[i * k + c] }
                gradient[k * d + c] = db
            }
            var penalty: Float = 0
            for j in 0..<k * d { penalty += p[j] * p[j] }
            return loss + 0.5 * l2 * penalty
        }
    }
}

/// Limited-memory BFGS (Nocedal & Wright, algorithm 7.4) with a backtracking Armijo line search.
enum LBFGS {
    static func minimize(_ x: inout [Float], _ f: ([Float], inout [Float]) -> Float,
                         maxIterations: Int, tolerance: Float, memory: Int = 10) -> (iterations: Int, loss: Float) {
        let count = x.count
        var g = [Float](repeating: 0, count: count)
        var fx = f(x, &g)
        var s: [[Float]] = [], y: [[Float]] = [], rho: [Float] = []
        var iteration = 0
        while iteration < maxIterations, (g.map(abs).max() ?? 0) > tolerance {
            iteration += 1
            // Two-loop recursion: direction = −H·g.
            var q = g
            var alpha = [Float](repeating: 0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[i] = rho[i] * dot(s[i], q)
                axpy(-alpha[i], y[i], &q)
            }
            if let lastS = s.last, let lastY = y.last {
                let gamma = dot(lastS, lastY) / dot(lastY, lastY)
                for j in 0..<count { q[j] *= gamma }
            } else {
                let norm = sqrt(dot(g, g))
                for j in 0..<count { q[j] /= max(norm, 1) }
            }
            for i in 0..<s.count {
                let beta = rho[i] * dot(y[i], q)
                axpy(alpha[i] - beta, s[i], &q)
            }
            let slope = -dot(g, q)
            guard slope < 0 else { s.removeAll(); y.removeAll(); rho.removeAll(); continue }

            var step: Float = 1
            var candidate = x, gNew = g, fNew: Float = 0
            while true {
                for j in 0..<count { candidate[j] = x[j] - step * q[j] }
                fNew = f(candidate, &gNew)
                if fNew <= fx + 1e-4 * step * slope || step < 1e-10 { break }
                step *= 0.5
            }
            var sk = [Float](repeating: 0, count: count), yk = sk
            for j in 0..<count { sk[j] = candidate[j] - x[j]; yk[j] = gNew[j] - g[j] }
            let sy = dot(sk, yk)
            if sy > 1e-10 {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let improvement = fx - fNew
            x = candidate; g = gNew; fx = fNew
            if improvement < 1e-9 * max(1, abs(fx)) { break }
        }
        return (iteration, fx)
    }

    static func dot(_ a: [Float], _ b: [Float]) -> Float { cblas_sdot(Int32(a.count), a, 1, b, 1) }

    static func axpy(_ alpha: Float, _ x: [Float], _ y: inout [Float]) {
        cblas_saxpy(Int32(x.count), alpha, x, 1, &y, 1)
    }
}
