import LookoutClassifier

/// How a head does on labelled embeddings: accuracy, confusion, per-class precision and recall.
public struct Evaluation: Codable, Sendable {
    public struct ClassFigures: Codable, Sendable {
        public var images: Int
        public var precision: Double?
        public var recall: Double?
    }
    public struct Mistake: Codable, Sendable {
        public var index: Int
        public var label: Int
        public var predicted: Int
        public var score: Float
    }

    public var images: Int
    public var top1: Double
    public var top5: Double
    /// confusion[true][predicted]
    public var confusion: [[Int]]
    public var perClass: [ClassFigures]
    public var mistakes: [Mistake]

    /// `items`: (caller's index, embedding, true label).
    public init(head: Head, items: [(index: Int, embedding: [Float], label: Int)]) throws {
        let k = head.labels.count
        var confusion = Array(repeating: Array(repeating: 0, count: k), count: k)
        var hits1 = 0, hits5 = 0
        var mistakes: [Mistake] = []
        for item in items {
            let scores = try head.scores(for: item.embedding)
            let ranked = Classifier.ranking(scores, top: 5)
            confusion[item.label][ranked[0]] += 1
            if ranked[0] == item.label { hits1 += 1 } else {
                mistakes.append(Mistake(index: item.index, label: item.label, predicted: ranked[0], score: scores[ranked[0]]))
            }
            if ranked.prefix(5).contains(item.label) { hits5 += 1 }
        }
        images = items.count
        top1 = items.isEmpty ? 0 : Double(hits1) / Double(items.count)
        top5 = items.isEmpty ? 0 : Double(hits5) / Double(items.count)
        self.confusion = confusion
        perClass = (0..<k).map { c in
            let actual = confusion[c].reduce(0, +), predicted = confusion.map { $0[c] }.reduce(0, +)
            return ClassFigures(images: actual,
                                precision: predicted == 0 ? nil : Double(confusion[c][c]) / Double(predicted),
                                recall: actual == 0 ? nil : Double(confusion[c][c]) / Double(actual))
        }
        self.mistakes = mistakes
    }
}
