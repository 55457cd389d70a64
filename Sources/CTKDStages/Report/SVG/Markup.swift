import Foundation

/// Text for HTML and SVG: escaping, and numbers written so that every coordinate is finite.
enum Markup {
    /// Escapes the five XML special characters, so text can go in elements and attributes.
    static func escape(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default:
                // Control characters other than tab and newline are not allowed in XML 1.0.
                if character.value < 0x20 && character != "\t" && character != "\n" { output += " " }
                else { output.unicodeScalars.append(character) }
            }
        }
        return output
    }

    /// A coordinate with two decimals; a non-finite value (which a plot never emits on purpose)
    /// becomes 0 rather than breaking the SVG.
    static func coordinate(_ value: Double) -> String {
        value.isFinite ? String(format: "%.2f", value) : "0"
    }
}

/// Tableau 10: distinguishable colours for up to ten series, then repeated.
enum Palette {
    static let colors = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                         "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func color(_ index: Int) -> String { colors[index % colors.count] }

    static let better = "#1a7f37"
    static let worse = "#c62828"
    static let neutral = "#6e7781"
    static let axis = "#57606a"
    static let grid = "#e4e7eb"
}
