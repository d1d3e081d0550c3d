import Foundation
import LookoutImaging

/// `report.html`: one self-contained page (no scripts, images inline) that shows how the head did:
/// the confusion matrix as a heat map, per-class precision and recall, and the validation images it
/// got wrong as thumbnails with what it predicted.
enum ReportPage {
    static let maxThumbnails = 60

    static func render(_ r: RetrainReport, dataset: Dataset, inputSize: Int) -> String {
        func pct(_ v: Double?) -> String { v.map { String(format: "%.1f %%", $0 * 100) } ?? "–" }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        var html = """
            <!doctype html><html><head><meta charset="utf-8"><title>Lookout retraining report</title>
            <style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}
            td,th{padding:2px 8px;text-align:left}tr:nth-child(even){background:#f4f4f4}
            .thumbs{display:flex;flex-wrap:wrap;gap:10px}.thumbs figure{margin:0;width:\(inputSize + 8)px;font-size:11px}
            .bad{color:#b00}</style></head><body>
            <h1>Retraining report</h1>
            <p>\(r.labels.count) labels, \(r.trainImages) training and \(r.validationImages) validation images, \
            \(r.skipped.count) skipped. Embeddings: \(r.embeddingsComputed) computed, \(r.embeddingsReused) from cache. \
            L-BFGS iterations: \(r.iterations).</p>
            <table><tr><th></th><th>top-1</th><th>top-5</th></tr>
            <tr><td>training</td><td>\(pct(r.trainTop1))</td><td></td></tr>
            <tr><td>validation</td><td>\(pct(r.validation?.top1))</td><td>\(pct(r.validation?.top5))</td></tr></table>
            <p>Time: \(r.seconds.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.1f", $0.value)) s" }.joined(separator: ", ")).</p>

            """
        if let v = r.validation {
            html += "<h2>Confusion matrix (validation; rows: true label, columns: predicted; shade: share of the row)</h2>\n"
            let cell = max(4, min(18, 720 / max(r.labels.count, 1)))
            let side = cell * r.labels.count
            html += "<svg width=\"\(side + 2)\" height=\"\(side + 2)\" style=\"border:1px solid #ccc\">"
            for (t, row) in v.confusion.enumerated() {
                let total = max(row.reduce(0, +), 1)
                for (p, count) in row.enumerated() where count > 0 {
                    let share = Double(count) / Double(total)
                    let color = t == p ? "0,110,40" : "200,0,0"
                    html += "<rect x=\"\(p * cell + 1)\" y=\"\(t * cell + 1)\" width=\"\(cell)\" height=\"\(cell)\" "
                        + "fill=\"rgba(\(color),\(String(format: "%.2f", 0.15 + 0.85 * share)))\"><title>\(esc(r.labels[t])) → "
                        + "\(esc(r.labels[p])): \(count)</title></rect>"
                }
            }
            html += "</svg>\n<h2>Per class (validation), lowest recall first</h2>\n"
            html += "<table><tr><th>label</th><th>images</th><th>precision</th><th>recall</th></tr>\n"
            let order = v.perClass.indices.sorted { (v.perClass[$0].recall ?? 2) < (v.perClass[$1].recall ?? 2) }
            for c in order {
                let f = v.perClass[c]
                html += "<tr><td>\(esc(r.labels[c]))</td><td>\(f.images)</td><td>\(pct(f.precision))</td><td>\(pct(f.recall))</td></tr>\n"
            }
            html += "</table>\n"
        }
        if !r.misclassified.isEmpty {
            html += "<h2>Misclassified validation images (\(r.misclassified.count)\(r.misclassified.count > maxThumbnails ? ", first \(maxThumbnails) shown" : ""))</h2>\n<div class=\"thumbs\">"
            for m in r.misclassified.prefix(maxThumbnails) {
                let path = dataset.root.appendingPathComponent(m.image).path
                let thumbnail = (try? ImagePreprocessor.load(file: path, size: inputSize)).flatMap { try? JPEGEncoder.encode($0, quality: 80) }
                let image = thumbnail.map { "<img src=\"data:image/jpeg;base64,\(Data($0).base64EncodedString())\" alt=\"\">" } ?? ""
                html += "<figure>\(image)<figcaption>\(esc(m.image))<br><span class=\"bad\">→ \(esc(m.predicted))</span> "
                    + "\(String(format: "%.2f", m.score))</figcaption></figure>\n"
            }
            html += "</div>\n"
        }
        if !r.skipped.isEmpty || !r.emptyLabels.isEmpty {
            html += "<h2>Skipped</h2><ul>"
            for s in r.skipped { html += "<li>\(esc(s.image)): \(esc(s.reason))</li>" }
            for l in r.emptyLabels { html += "<li>\(esc(l))/: empty label folder</li>" }
            html += "</ul>\n"
        }
        return html + "</body></html>\n"
    }
}
