import Foundation
import LookoutEngine
import LookoutModels

/// Opening a model: the one place a model is found by name or path, read, and its runtime built,
/// with errors that name the file.
public enum ModelLoader {
    /// A model file's path, or the name of an installed model, as a file (`ModelStore`'s search path).
    public static func resolve(_ model: String) throws -> URL { try ModelStore.standard().resolve(model) }

    /// Reads and checks the model at `url`. Errors name it as `name` (default: its path).
    public static func open(_ url: URL, threads: Int = 1, name: String? = nil) throws -> Engine {
        do { return try Engine(contentsOf: url, threads: threads) } catch {
            throw ClassifierError("\(name ?? url.path): \(error)")
        }
    }

    /// Builds the runtime now, so that a model XNNPACK refuses is refused here, before anything
    /// depends on it. `releasingModel`: the file's bytes are freed once the weights are packed.
    public static func prepare(_ engine: Engine, pooling: Pooling? = nil, releasingModel: Bool = false, name: String) throws {
        do { try engine.prepare(pooling, releasingModel: releasingModel) } catch {
            throw ClassifierError("\(name): \(error)")
        }
    }
}
