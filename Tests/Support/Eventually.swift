import Foundation

/// How long a test waits for something that should happen. Tests run on boards ten times slower
/// than CI and under qemu-user (about 13× slower here), so a wait is a bound against hanging, never
/// a speed target: it runs out only when the thing does not happen.
public let patience: TimeInterval = 600

/// Polls `condition` every 0.1 s until it holds or `seconds` pass; its last answer.
public func eventually(seconds: TimeInterval = patience, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.1)
    }
    return condition()
}
