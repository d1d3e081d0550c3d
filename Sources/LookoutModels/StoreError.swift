/// Installing or finding a model, a head or labels failed: one line naming the thing and the cause.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
