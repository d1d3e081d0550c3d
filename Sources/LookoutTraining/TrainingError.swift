/// Retraining failed (the dataset, the embeddings, writing the bundle): one line naming the thing and the cause.
public struct TrainingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
