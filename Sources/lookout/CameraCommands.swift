import ArgumentParser
import Foundation
import LookoutCamera
import LookoutEngine
import LookoutImaging
import LookoutModels
import LookoutTraining

struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List V4L2 cameras with their formats, sizes and frame rates.",
        discussion: """
            Formats marked "converted" are produced by libv4l2 from another one; lookoutd reads YUYV, NV12, \
            RGB24 and MJPEG natively and lets libv4l2 convert anything else to RGB24. Stable names under \
            /dev/v4l/by-id/ survive re-plugging: use them in lookoutd's source.device.
            """)

    @Flag(help: "Print one JSON object.")
    var json = false

    struct Size: Encodable { let width: Int, height: Int, fps: [Double] }
    struct Format: Encodable { let fourcc: String, description: String, converted: Bool, sizes: [Size] }
    struct Device: Encodable { let path: String, stable_names: [String], card: String, driver: String, formats: [Format] }

    func run() throws {
        let stable = stableNames()
        let devices = V4L2Camera.list().map { d in
            Device(path: d.path, stable_names: stable[d.path] ?? [], card: d.card, driver: d.driver, formats: d.formats.map { f in
                Format(fourcc: f.format.description, description: f.description, converted: f.emulated,
                       sizes: f.sizes.map { Size(width: $0.width, height: $0.height, fps: $0.fps) })
            })
        }
        if json { try printJSON(["devices": devices]); return }
        if devices.isEmpty { print("no V4L2 capture devices (/dev/video*)"); return }
        for device in devices {
            print("\(device.path)  \(device.card) (\(device.driver))")
            for name in device.stable_names { print("  also \(name)") }
            for format in device.formats {
                print("  \(format.fourcc)  \(format.description)\(format.converted ? " (converted)" : "")")
                for size in format.sizes {
                    let rates = size.fps.map { String(format: "%g", $0) }.joined(separator: ", ")
                    print("    \(size.width)×\(size.height)\(rates.isEmpty ? "" : " at \(rates) fps")")
                }
            }
        }
    }

    /// /dev/v4l/by-id and by-path links, by the device they point to.
    func stableNames() -> [String: [String]] {
        var names: [String: [String]] = [:]
        for folder in ["/dev/v4l/by-id", "/dev/v4l/by-path"] {
            for link in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                let path = "\(folder)/\(link)"
                if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path) {
                    let resolved = URL(fileURLWithPath: target, relativeTo: URL(fileURLWithPath: folder + "/")).standardized.path
                    names[resolved, default: []].append(path)
                }
            }
        }
        return names
    }
}

struct Capture: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save camera frames as JPEG into DATA/LABEL/ to build a training set for `lookout retrain`.",
        discussion: """
            Frames are saved whole (not cropped), each written to a temporary file and linked into place \
            under a name no other file has (LABEL-DATE-TIME[-N].jpg), so nothing is ever overwritten. With \
            --model, each saved frame is also classified as lookoutd classifies it: from the raw camera \
            frame, converted, cropped and resized in one pass (`lookout classify FILE` later should agree).
            """)

    @Option(help: "The camera: /dev/video0 or a /dev/v4l/by-id/ name.")
    var device: String = "/dev/video0"

    @Option(help: "The label: the folder the frames go into.")
    var label: String

    @Option(help: "How many frames to save.")
    var count: Int = 10

    @Option(help: "The dataset folder (one sub-folder per label).")
    var data: String

    @Option(help: "Seconds between saved frames (vary the pose meanwhile).")
    var interval: Double = 0.5

    @Option(help: "Capture size asked of the camera.")
    var width: Int = 640
    @Option(help: "Capture size asked of the camera.")
    var height: Int = 480

    @Option(help: "JPEG quality, 1–100.")
    var quality: Int = 95

    @Option(help: "Also classify each saved frame, as lookoutd does, with this model (file or installed name).")
    var model: String?

    @Flag(help: "One JSON object per saved frame: {\"file\",\"width\",\"height\",\"format\"[,\"top\"]}.")
    var json = false

    struct Entry: Encodable { let index: Int; let label: String; let score: Float }
    struct Saved: Encodable { let file: String; let width: Int; let height: Int; let format: String; let top: [Entry]? }

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard interval >= 0 else { throw ValidationError("--interval must not be negative") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        guard !label.isEmpty, !label.contains("/"), label != ".", label != ".." else {
            throw ValidationError("--label must be a folder name (no '/')")
        }
    }

    func run() throws {
        var classifier: (engine: Engine, labels: [String]?)?
        if let model {
            let url = try ModelStore.standard().resolve(model)
            let engine: Engine
            do { engine = try Engine(contentsOf: url) } catch { throw CLIError("\(url.path): \(error)") }
            let labels = try Labels.file(besides: url, classCount: engine.classCount).map { try Labels.load($0) }
            classifier = (engine, labels?.count == engine.classCount ? labels : nil)
        }
        let camera: V4L2Camera
        do { camera = try V4L2Camera(path: device, width: width, height: height, fps: 15) } catch let error as CameraError {
            let hint = error.kind == .busy ? " (another program is using the camera)" : error.kind == .missing ? " (no such camera; see `lookout devices`)" : ""
            throw CLIError("\(error)\(hint)")
        } catch { throw CLIError("\(error)") }
        let folder = URL(fileURLWithPath: data).appendingPathComponent(label)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw CLIError("\(folder.path): cannot create (\((error as NSError).localizedFailureReason ?? "\(error)"))")
        }
        let stamp = DateFormatter()
        stamp.dateFormat = "yyyyMMdd-HHmmss"
        stamp.timeZone = TimeZone(identifier: "UTC")
        var saved = 0, lastSave = -Double.infinity
        while saved < count {
            let frame: RawFrame
            do { frame = try camera.nextFrame(timeout: 5) } catch let error as CameraError where error.kind == .badFrame {
                FileHandle.standardError.write(Data("capture: skipped a frame: \(error)\n".utf8))
                continue
            } catch { throw CLIError("\(error)") }
            // Keep the stream flowing between saves, so each saved frame is a fresh one.
            guard Date().timeIntervalSince1970 - lastSave >= interval else { continue }
            let image: RGBImage
            do { image = try frame.fullImage() } catch {
                FileHandle.standardError.write(Data("capture: skipped a frame: \(device): \(error)\n".utf8))
                continue
            }
            lastSave = Date().timeIntervalSince1970
            let file: URL
            do {
                file = try Self.saveNew(Data(try JPEGEncoder.encode(image, quality: quality)), in: folder,
                                        base: "\(label)-\(stamp.string(from: Date()))")
            } catch { throw CLIError("\(error)") }
            saved += 1
            // The daemon's path: the model input made from the raw frame, not from the saved JPEG.
            let top = try classifier.map { engine, labels -> [Entry] in
                let scores = try engine.scores(for: try frame.image(Framing(size: engine.input.width)).pixels)
                return scores.indices.sorted { scores[$0] > scores[$1] }.prefix(5).map {
                    Entry(index: $0, label: labels?[$0] ?? "#\($0)", score: scores[$0])
                }
            }
            if json {
                try printJSON(Saved(file: file.path, width: image.width, height: image.height, format: "\(camera.format)", top: top))
            } else {
                let best = top?.first.map { String(format: "  %@ %.4f", $0.label, $0.score) } ?? ""
                print("\(file.path)  \(image.width)×\(image.height) \(camera.format)\(best)")
            }
        }
    }

    /// Writes `data` to a temporary file in `folder`, then links it in as BASE.jpg, or BASE-2.jpg, … :
    /// link(2) never replaces a file, so neither an earlier capture nor one saved at the same moment
    /// by another process is overwritten. Where hard links are not supported (FAT), rename(2) after
    /// a check for the name.
    static func saveNew(_ data: Data, in folder: URL, base: String) throws -> URL {
        let temporary = folder.appendingPathComponent(".\(base).tmp-\(getpid())")
        try AtomicFile.write(data, to: temporary)
        defer { unlink(temporary.path) }
        for n in 1...10_000 {
            let file = folder.appendingPathComponent(n == 1 ? "\(base).jpg" : "\(base)-\(n).jpg")
            if link(temporary.path, file.path) == 0 { return file }
            switch errno {
            case EEXIST: continue
            case EPERM, EOPNOTSUPP, ENOSYS:
                if FileManager.default.fileExists(atPath: file.path) { continue }
                guard rename(temporary.path, file.path) == 0 else { break }
                return file
            default: break
            }
            throw CLIError("\(file.path): cannot save (\(String(cString: strerror(errno))))")
        }
        throw CLIError("\(folder.path): too many files named \(base)-N.jpg")
    }
}
