/// A model, head or labels file that cannot be used: one line naming the file and the cause.
public struct ClassifierError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
