extension KeyedDecodingContainer {
    /// The value under `key`, or `value` when the key is missing or null: configurations (model
    /// config.json, loss settings, manifests) decode from partial files with documented defaults.
    ///
    ///     layers = try container.decode(.layers, default: 12)
    public func decode<Value: Decodable>(_ key: Key, default value: Value) throws -> Value {
        try decodeIfPresent(Value.self, forKey: key) ?? value
    }
}
