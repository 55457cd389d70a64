import CTKDCore

// Loss configurations decode from partial JSON/YAML (`KeyedDecodingContainer.decode(_:default:)`
// in CTKDCore): a missing key keeps its documented default, and an out-of-range value is an error
// that names the field.

/// Throws a `CTKDError` naming `field` unless `condition` holds.
func require(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) throws {
    if !condition { throw CTKDError(message(), field: field) }
}

/// Checks that a temperature, weight or regulariser is a finite number above (or at) zero.
func requirePositive(_ value: Float, _ field: String, allowZero: Bool = false) throws {
    try require(value.isFinite && (allowZero ? value >= 0 : value > 0), field,
                "expected a finite number \(allowZero ? "≥" : ">") 0, got \(value)")
}
