import ArgumentParser
import Foundation
import LookoutCamera
import LookoutClassifier
import LookoutFiles
import LookoutImaging

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
            --model (and --head), each saved frame is also classified as lookoutd classifies it: from the raw \
            camera frame, converted, cropped and resized in one pass, framed and pooled as the head was trained \
            (`lookout classify FILE` later, with the same --head, should agree).
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

    @Option(help: "With --model: classify with this head bundle from `lookout retrain` (its labels, framing and pooling), as lookoutd does.")
    var head: String?

    @Flag(help: "One JSON object per saved frame: {\"file\",\"width\",\"height\",\"format\"[,\"top\"]}.")
    var json = false

    struct Saved: Encodable { let file: String; let width: Int; let height: Int; let format: String; let top: [Prediction]? }

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard interval >= 0 else { throw ValidationError("--interval must not be negative") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        guard !label.isEmpty, !label.contains("/"), label != ".", label != ".." else {
            throw ValidationError("--label must be a folder name (no '/')")
        }
        guard head == nil || model != nil else { throw ValidationError("--head needs --model (the base model it was trained on)") }
    }

    func run() throws {
        let classifier = try model.map { try Classifier.load(model: $0, head: head.map(URL.init(fileURLWithPath:))) }
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
                file = try AtomicFile.createNew(Data(try JPEGEncoder.encode(image, quality: quality)), in: folder,
                                                base: "\(label)-\(stamp.string(from: Date()))", extension: "jpg")
            } catch { throw CLIError("\(error)") }
            saved += 1
            // The daemon's path: the model input made from the raw frame, not from the saved JPEG,
            // framed and scored as the head wants.
            let top = try classifier.map { try $0.top(try frame.image($0.framing).pixels) }
            if json {
                try printJSON(Saved(file: file.path, width: image.width, height: image.height, format: "\(camera.format)", top: top))
            } else {
                let best = top?.first.map { String(format: "  %@ %.4f", $0.label, $0.score) } ?? ""
                print("\(file.path)  \(image.width)×\(image.height) \(camera.format)\(best)")
            }
        }
    }
}
