import CTKDCore

// Loss configurations decode from partial JSON/YAML: a missing key keeps its documented default,
// and an out-of-range value is an error that names the field.

extension KeyedDecodingContainer {
    func decode<Value: Decodable>(_ key: Key, default value: Value) throws -> Value {
        try decodeIfPresent(Value.self, forKey: key) ?? value
    }
}

/// Throws a `CTKDError` naming `field` unless `condition` holds.
func require(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) throws {
    if !condition { throw CTKDError(message(), field: field) }
}

/// Checks that a temperature, weight or regulariser is a finite number above (or at) zero.
func requirePositive(_ value: Float, _ field: String, allowZero: Bool = false) throws {
    try require(value.isFinite && (allowZero ? value >= 0 : value > 0), field,
                "expected a finite number \(allowZero ? "≥" : ">") 0, got \(value)")
}
