import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Downloads `url` into `folder` (URLSession; the CLI is the only part of Lookout that downloads).
func download(_ url: URL, into folder: URL) throws -> URL {
    let target = folder.appendingPathComponent(url.lastPathComponent)
    // The completion handler runs on URLSession's queue; the semaphore orders its write before our read.
    final class Outcome: @unchecked Sendable { var failure: String? }
    let outcome = Outcome(), semaphore = DispatchSemaphore(value: 0)
    let task = URLSession.shared.downloadTask(with: url) { location, response, error in
        defer { semaphore.signal() }
        if let error { outcome.failure = error.localizedDescription; return }
        if let http = response as? HTTPURLResponse, http.statusCode != 200 {
            outcome.failure = "HTTP \(http.statusCode)"
            return
        }
        guard let location else { outcome.failure = "no data"; return }
        do { try FileManager.default.moveItem(at: location, to: target) } catch {
            outcome.failure = (error as NSError).localizedFailureReason ?? error.localizedDescription
        }
    }
    task.resume()
    semaphore.wait()
    if let failure = outcome.failure { throw CLIError("\(url.absoluteString): download failed (\(failure))") }
    return target
}
