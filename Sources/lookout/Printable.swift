import Foundation

/// Untrusted text (journal MESSAGEs, labels, file names) as it may go to a terminal: control
/// characters, escape sequences and bidirectional overrides come out as visible escapes (`\x1b`,
/// `\n`, `\u{202e}`), so they cannot recolour the terminal, move its cursor, set its title or fake
/// extra lines. A backslash is doubled, so an escape in the output always means one in the input.
/// JSON output needs none of this: JSON escapes control characters itself.
func printable(_ text: String) -> String {
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count)
    for scalar in text.unicodeScalars {
        switch scalar.value {
        case 0x5C: out += "\\\\"
        case 0x0A: out += "\\n"
        case 0x09: out += "\\t"
        case 0x0D: out += "\\r"
        case 0x00...0x1F, 0x7F: out += String(format: "\\x%02x", scalar.value)
        // C1 controls (0x9B is a one-byte CSI), bidirectional marks and overrides, line separators.
        case 0x80...0x9F, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029:
            out += String(format: "\\u{%x}", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
