/// A model the engine cannot run (an operator or shape it does not support, a runtime XNNPACK refuses).
public struct EngineError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
