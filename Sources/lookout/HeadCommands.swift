import ArgumentParser
import Foundation
import LookoutClassifier
import LookoutFiles
import LookoutModels
import LookoutTraining

struct HeadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "head", abstract: "Put a retrained head in service.", subcommands: [Install.self])

    struct Install: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install a head bundle for lookoutd and ask the running service to reload.",
            discussion: """
                Checks the bundle against the base model (refused when it was trained on another one), writes \
                it to HEADS/NAME, points HEADS/current at it in one rename, then runs `systemctl reload \
                lookoutd` when systemd runs lookoutd. lookoutd uses it when its config says \
                `model.head: HEADS/current`; the reload swaps it in without a restart, or refuses it and keeps \
                the running one.
                """)

        @Argument(help: "The head bundle folder (`lookout retrain --output`).")
        var bundle: String

        @Option(help: "The base model lookoutd runs (file or installed name).")
        var model: String = "mobilenet_v1_1.0_224"

        @Option(help: "Where lookoutd's heads live.")
        var heads: String = "/var/lib/lookout/heads"

        @Option(help: "Name to install it under (default: the bundle folder's name).")
        var name: String?

        @Option(help: "The unit to reload (lookoutd, or lookoutd@CAMERA).")
        var unit: String = "lookoutd"

        @Flag(help: "Install only; do not ask the service to reload.")
        var noReload = false

        func run() throws {
            let source = URL(fileURLWithPath: bundle)
            let head = try Classifier.load(model: model, head: source).head!  // checked against the model
            let installName = name ?? source.standardized.lastPathComponent
            guard !installName.isEmpty, !installName.contains("/"), !installName.hasPrefix("."), installName != "current" else {
                throw CLIError("\(printable(installName)): not a usable head name")
            }
            // Written through the opened folder, which only root (or you) may write: lookoutd's user
            // owns /var/lib/lookout and must not be able to redirect these writes.
            let folder = try StoreFolder(URL(fileURLWithPath: heads))
            let target = folder.url.appendingPathComponent(installName)
            do { _ = try head.write(to: folder.path.appendingPathComponent(installName)) } catch {
                // Written through the held-open folder: say it by the name the user gave.
                throw CLIError("\(error)".replacingOccurrences(of: folder.path.path, with: folder.url.path))
            }
            // Repoint `current` with one rename, so lookoutd never sees it missing or half-made.
            let current = folder.url.appendingPathComponent("current")
            let staging = folder.path.appendingPathComponent(".current-\(randomHex())")
            guard symlink(installName, staging.path) == 0, rename(staging.path, folder.path.appendingPathComponent("current").path) == 0 else {
                let cause = String(cString: strerror(errno))
                unlink(staging.path)
                throw CLIError("\(current.path): cannot point at \(installName) (\(cause))")
            }
            print("installed \(target.path) (\(head.labels.count) labels); \(current.path) → \(installName)")
            let config = (try? RegularFile.text("/etc/lookout/lookout.yaml")) ?? ""
            if !config.contains(current.path) {
                print("note: lookoutd uses it once /etc/lookout/lookout.yaml has `model: {head: \(current.path)}`")
            }
            guard !noReload, FileManager.default.fileExists(atPath: "/run/systemd/system") else { return }
            let reload = Process()
            reload.executableURL = URL(fileURLWithPath: "/bin/systemctl")
            reload.arguments = ["reload", unit]
            try reload.run()
            reload.waitUntilExit()
            guard reload.terminationStatus == 0 else {
                throw CLIError("systemctl reload \(unit) failed (status \(reload.terminationStatus)); the head is installed")
            }
            print("asked \(unit) to reload; `journalctl -u \(unit) -n 3` tells whether it took the head")
        }
    }
}
