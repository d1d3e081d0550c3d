import Foundation

/// How a recognition event's fields are named and typed wherever it goes: JSON lines use the
/// plain keys (`label`, `confidence`, `top`), journald the same keys in capitals behind `LOOKOUT_`
/// (`top` is `LOOKOUT_TOPK`, its JSON text). `lookout tail` turns journal entries back into the
/// JSON lines the stdout sink writes. Field reference: Logs/events.md.
public enum EventSchema {
    /// One fixed MESSAGE_ID per kind of entry, explained by Logs/lookout.catalog.
    public static let messageIDs: [String: String] = [
        EventKind.started.rawValue: "3baffa2e59ee4d31a0910cd162728a27",
        EventKind.ended.rawValue: "42ad51b7b2714caeaeedc7d98c011449",
        EventKind.heartbeat.rawValue: "42195182839848ebb609b8e875a46b1a",
        "camera": "1f03d94dd62447e181fde26acfa73057",
        "reload": "a03312dd418241d7b27326cd00f194af",
    ]

    /// Keys whose values stay text when read back, even when they look like numbers (a label "7").
    static let textKeys = Set(EventKey.allCases.filter(\.isText).map(\.rawValue))

    public static func journalName(_ key: String) -> String {
        key == EventKey.top.rawValue ? "LOOKOUT_TOPK" : "LOOKOUT_" + key.uppercased()
    }

    public static func journalName(_ key: EventKey) -> String { journalName(key.rawValue) }

    public static func key(journalName name: String) -> String? {
        guard name.hasPrefix("LOOKOUT_") else { return nil }
        return name == "LOOKOUT_TOPK" ? EventKey.top.rawValue : name.dropFirst("LOOKOUT_".count).lowercased()
    }

    /// A field's value as journald stores it: text as is, numbers in Swift's shortest exact form,
    /// lists and objects as JSON. nil (JSON null) is left out of the entry.
    public static func journalValue(_ value: Any) -> String? {
        switch value {
        case is NSNull: return nil
        case let text as String: return text
        case let number as Double: return "\(number)"
        case let number as Float: return "\(number)"
        case let number as any BinaryInteger: return "\(number)"
        default:
            guard JSONSerialization.isValidJSONObject(value),
                  let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return "\(value)" }
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// The inverse of `journalValue`: JSON where the text is JSON and the key is not a text key.
    public static func value(forKey key: String, journalValue text: String) -> Any {
        guard !textKeys.contains(key),
              let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        else { return text }
        return value
    }

    /// A journal entry's event fields as the JSON object a JSON-lines sink writes.
    public static func record(fromJournal fields: [String: String]) -> [String: Any] {
        var record: [String: Any] = [:]
        for (name, text) in fields {
            if let key = key(journalName: name) { record[key] = value(forKey: key, journalValue: text) }
        }
        return record
    }
}
