import Dispatch
import Foundation

/// A long-running part of a program. `run()` returns when its work is done or when its task is
/// cancelled, which is how a graceful shutdown reaches it (as swift-service-lifecycle's services,
/// without its newer-toolchain requirement).
public protocol Service: Sendable {
    func run() async throws
}

/// Runs services side by side until a stop signal arrives or one that ends the group returns; then
/// the others are cancelled and awaited, so each finishes its own way (events ended, STOPPING=1).
public struct ServiceGroup: Sendable {
    public struct Entry: Sendable {
        let service: any Service
        let endsGroup: Bool

        /// `endsGroup`: when this service returns, the program is done (its source ran out).
        public init(_ service: any Service, endsGroup: Bool = false) { (self.service, self.endsGroup) = (service, endsGroup) }
    }

    let entries: [Entry]
    let stopSignals: [Int32]

    public init(_ entries: [Entry], stopSignals: [Int32] = [SIGTERM, SIGINT]) {
        (self.entries, self.stopSignals) = (entries, stopSignals)
    }

    /// Returns once every service has returned; the first error thrown stops the others and is rethrown.
    public func run() async throws {
        // Listening before any service starts: a SIGTERM during start-up stops the group gracefully.
        let stop = SignalStream(stopSignals)
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for entry in entries {
                group.addTask {
                    try await entry.service.run()
                    return entry.endsGroup
                }
            }
            group.addTask {
                for await _ in stop { return true }
                return false
            }
            for try await ends in group where ends { group.cancelAll() }
        }
    }
}

/// Unix signals delivered as an async sequence instead of to a handler, from the moment it is made
/// (a signal that comes before anyone iterates waits in the stream). The signals' default actions
/// are switched off for good: a late signal during shutdown is then ignored, not fatal. One
/// iterator per stream.
public struct SignalStream: AsyncSequence, Sendable {
    public typealias Element = Int32
    private let stream: AsyncStream<Int32>

    public init(_ numbers: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream(bufferingPolicy: .bufferingNewest(8))
        let sources = numbers.map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        continuation.onTermination = { _ in sources.forEach { $0.cancel() } }
        self.stream = stream
    }

    public func makeAsyncIterator() -> AsyncStream<Int32>.Iterator { stream.makeAsyncIterator() }
}
