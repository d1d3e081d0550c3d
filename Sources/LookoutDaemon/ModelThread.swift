import CLinux
import Foundation
import LookoutClassifier
import LookoutImaging

/// What a model load tells the rest of the daemon: how frames are to be framed for it, and what
/// identifies it in events and logs. (The model itself stays on its thread.)
public struct LoadedModel: Sendable, Equatable {
    public var generation: Int
    public var framing: Framing
    public var modelSHA256: String
    public var labelCount: Int
}

/// The model, head and labels, confined to a thread of their own: loaded there, run there, never
/// shared. Inference is CPU-bound for tens to hundreds of milliseconds, so it stays off the
/// cooperative pool; and the XNNPACK runtime is used by one thread only. Jobs run one at a time,
/// in order.
public final class ModelThread: @unchecked Sendable {
    // `condition` guards `jobs` and `stopped`; `current` and `loaded` are touched only by jobs,
    // which run on the thread.
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var stopped = false
    private var current: (generation: Int, classifier: Classifier)?
    private var loaded: (generation: Int, classifier: Classifier)?
    private var generations = 0

    public init() {
        let thread = Thread { [self] in
            while let job = nextJob() { job() }
        }
        thread.name = "lookout-inference"
        thread.start()
    }

    private func nextJob() -> (() -> Void)? {
        condition.withLock {
            while jobs.isEmpty && !stopped { condition.wait() }
            return jobs.isEmpty ? nil : jobs.removeFirst()
        }
    }

    /// Releases the model on this thread: lookoutd does so before it exits, so that no engine is torn
    /// down by this thread while the process runs its exit handlers.
    func release() async {
        try? await perform { [self] in (current, loaded) = (nil, nil) }
    }

    /// Ends the thread once the jobs already given are done; later jobs throw CancellationError.
    public func stop() {
        condition.withLock { stopped = true }
        condition.broadcast()
    }

    private func perform<T: Sendable>(_ job: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = condition.withLock { () -> Bool in
                guard !stopped else { return false }
                jobs.append { continuation.resume(with: Result { try job() }) }
                return true
            }
            if accepted { condition.signal() } else { continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Loads and checks the model, head and labels `config` names, and keeps them ready to be
    /// swapped in by `use`; the one running is not touched (a bad one is refused here).
    public func load(_ config: DaemonConfig) async throws -> LoadedModel {
        try await perform { [self] in
            let classifier = try Classifier.load(model: config.model.path, threads: config.classify.threads,
                                                 head: config.model.head.map(URL.init(fileURLWithPath:)),
                                                 labels: config.model.labels.map(URL.init(fileURLWithPath:)), topK: config.classify.topK,
                                                 prepare: true)
            generations += 1
            loaded = (generations, classifier)
            return LoadedModel(generation: generations, framing: classifier.framing, modelSHA256: classifier.modelSHA256,
                               labelCount: classifier.labels.count)
        }
    }

    /// Classifies with the model `generation` from now on (the last one loaded, or the current one).
    func use(_ generation: Int) async throws {
        try await perform { [self] in
            if let loaded, loaded.generation == generation {
                (current, self.loaded) = (loaded, nil)
                clinux_release_free_memory()
            }
            precondition(current?.generation == generation, "model \(generation) was never loaded")
        }
    }

    /// The top labels of the model's input `pixels`.
    func top(_ pixels: [UInt8]) async throws -> [(label: String, score: Float)] {
        try await perform { [self] in try current!.classifier.top(pixels).map { (label: $0.label, score: $0.score) } }
    }
}
