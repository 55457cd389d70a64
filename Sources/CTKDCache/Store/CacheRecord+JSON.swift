/// `ctkd cache show`: one record as JSON, decoded, in a stable layout (floats in Swift's
/// shortest round-trip form, top-k entries in rank order) so two caches can be compared as text.
extension CacheRecord {
    public var json: String {
        var out = "{\"index\": \(exampleIndex), \"id\": \(JSONText.string(id)), \"prompt\": \(JSONText.string(prompt)), "
        out += "\"response\": \(JSONText.string(response)), \"positions\": ["
        for position in 0..<positions {
            if position > 0 { out += ", " }
            let span = tokens.byteSpan(position)
            out += "{\"token\": \(tokens.ids[position]), \"span\": [\(span.lowerBound), \(span.upperBound)]"
            if let topK {
                let base = position * topK.k
                let order = (0..<topK.k).sorted {
                    topK.logProbs[base + $0] > topK.logProbs[base + $1]
                        || (topK.logProbs[base + $0] == topK.logProbs[base + $1] && topK.ids[base + $0] < topK.ids[base + $1])
                }
                out += ", \"top_k\": [" + order.map { "[\(topK.ids[base + $0]), \(JSONText.number(topK.logProbs[base + $0]))]" }.joined(separator: ", ")
                out += "], \"tail_mass\": \(JSONText.number(topK.tailMass[position]))"
            }
            if let sampled {
                let range = Int(sampled.offsets[position])..<Int(sampled.offsets[position + 1])
                out += ", \"sampled\": [" + range.map { "[\(sampled.ids[$0]), \(sampled.counts[$0])]" }.joined(separator: ", ") + "]"
            }
            out += "}"
        }
        out += "]"
        if let bytes {
            out += ", \"byte_distributions\": ["
            for offset in 0..<bytes.count {
                if offset > 0 { out += ", " }
                let range = Int(bytes.offsets[offset])..<Int(bytes.offsets[offset + 1])
                out += "{\"offset\": \(offset), \"top\": ["
                out += range.map { "[\(bytes.symbols[$0]), \(JSONText.number(bytes.probabilities[$0]))]" }.joined(separator: ", ")
                out += "], \"remainder\": \(JSONText.number(bytes.remainder[offset]))}"
            }
            out += "]"
        }
        return out + "}"
    }
}

enum JSONText {
    static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    static func number(_ value: Float) -> String {
        value.isFinite ? "\(value)" : (value < 0 ? "-1e999" : "null")
    }
}
