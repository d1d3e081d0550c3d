import ArgumentParser
import Foundation
import LookoutCamera
import LookoutImaging
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
            Frames are saved whole (not cropped), each written to a temporary file and renamed into place, \
            with names that never overwrite earlier captures.
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

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        guard interval >= 0 else { throw ValidationError("--interval must not be negative") }
        guard (1...100).contains(quality) else { throw ValidationError("--quality must be between 1 and 100") }
        guard !label.isEmpty, !label.contains("/"), label != ".", label != ".." else {
            throw ValidationError("--label must be a folder name (no '/')")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: data).appendingPathComponent(label)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw CLIError("\(folder.path): cannot create (\((error as NSError).localizedFailureReason ?? "\(error)"))")
        }
        let camera: V4L2Camera
        do { camera = try V4L2Camera(path: device, width: width, height: height, fps: 15) } catch { throw CLIError("\(error)") }
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
            let base = "\(label)-\(stamp.string(from: Date()))"
            var file = folder.appendingPathComponent("\(base).jpg"), n = 1
            while FileManager.default.fileExists(atPath: file.path) {
                n += 1
                file = folder.appendingPathComponent("\(base)-\(n).jpg")
            }
            do { try AtomicFile.write(Data(try JPEGEncoder.encode(image, quality: quality)), to: file) } catch {
                throw CLIError("\(error)")
            }
            saved += 1
            print("\(file.path)  \(image.width)×\(image.height) \(camera.format)")
        }
    }
}
