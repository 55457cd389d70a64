import Foundation
import CTKDCore
import CTKDTensor
#if canImport(Glibc)
import Glibc
#endif

/// A `.safetensors` file, memory-mapped: an 8-byte little-endian header length, a JSON header
/// (`name → {dtype, shape, data_offsets}` plus optional `__metadata__` strings), then the data.
///
///     let file = try SafetensorsFile(path: "model/model.safetensors")
///     let entry = file.entries["model.norm.weight"]!
///     try file.read("model.norm.weight", into: pointer)   // F32, F16 and BF16 widen to Float32
public final class SafetensorsFile: @unchecked Sendable {
    public enum DType: String, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        var size: Int { switch self { case .f32: 4; case .f16, .bf16: 2; case .f64: 8 } }
    }

    public struct Entry: Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range of the data, from the start of the file.
        public let range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let entries: [String: Entry]
    public let metadata: [String: String]
    // The mapping is read-only and lives as long as the object; readers only copy out of it.
    private let base: UnsafeRawPointer
    private let length: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CTKDError("cannot open: \(String(cString: strerror(errno)))", file: path) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw CTKDError("cannot stat", file: path) }
        length = Int(status.st_size)
        guard length >= 8 else { throw CTKDError("too short for a safetensors file (\(length) bytes)", file: path) }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw CTKDError("cannot map: \(String(cString: strerror(errno)))", file: path)
        }
        base = UnsafeRawPointer(mapped)
        do {
            (entries, metadata) = try Self.parseHeader(base, length: length, path: path)
        } catch {
            munmap(mapped, length)
            throw error
        }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    private static func parseHeader(_ base: UnsafeRawPointer, length: Int, path: String) throws
        -> ([String: Entry], [String: String]) {
        let headerLength = Int(UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 0, headerLength <= length - 8 else {
            throw CTKDError("header length \(headerLength) does not fit in the file (\(length) bytes)", file: path)
        }
        let header = Data(bytes: base + 8, count: headerLength)
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw CTKDError("header is not a JSON object", file: path)
        }
        let dataStart = 8 + headerLength
        var entries = [String: Entry]()
        var metadata = [String: String]()
        for (name, value) in object {
            if name == "__metadata__" {
                for (key, item) in value as? [String: Any] ?? [:] { metadata[key] = item as? String }
                continue
            }
            guard let fields = value as? [String: Any], let dtypeName = fields["dtype"] as? String,
                  let shape = fields["shape"] as? [Int], let offsets = fields["data_offsets"] as? [Int], offsets.count == 2
            else { throw CTKDError("malformed header entry", file: path, field: name) }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw CTKDError("unsupported dtype \(dtypeName) (supported: F32, F16, BF16, F64)", file: path, field: name)
            }
            let range = (dataStart + offsets[0])..<(dataStart + offsets[1])
            let count = shape.reduce(1, *)
            guard offsets[0] <= offsets[1], range.upperBound <= length, range.count == count * dtype.size else {
                throw CTKDError("data offsets \(offsets) do not match shape \(shape) × \(dtypeName) or the file size",
                                file: path, field: name)
            }
            entries[name] = Entry(name: name, dtype: dtype, shape: shape, range: range)
        }
        return (entries, metadata)
    }

    /// Converts tensor `name` to Float32 into `destination` (which must hold `entry.count` values).
    public func read(_ name: String, into destination: UnsafeMutablePointer<Float>) throws {
        guard let entry = entries[name] else { throw CTKDError("no tensor named \(name)", file: path) }
        let source = base + entry.range.lowerBound
        switch entry.dtype {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: entry.count * 4)
        case .f16:
            HalfPrecision.widen(source, destination, count: entry.count, bfloat: false)
        case .bf16:
            HalfPrecision.widen(source, destination, count: entry.count, bfloat: true)
        case .f64:
            for index in 0..<entry.count {
                destination[index] = Float(source.loadUnaligned(fromByteOffset: 8 * index, as: Double.self))
            }
        }
    }

    /// Tensor `name` as Float32 values.
    public func floats(_ name: String) throws -> [Float] {
        guard let entry = entries[name] else { throw CTKDError("no tensor named \(name)", file: path) }
        return try [Float](unsafeUninitializedCapacity: entry.count) { buffer, initialized in
            try read(name, into: buffer.baseAddress!)
            initialized = entry.count
        }
    }
}

/// Writes a `.safetensors` file (F32 tensors, names sorted, so equal contents give equal bytes),
/// atomically.
///
///     var writer = SafetensorsWriter()
///     writer.add("model.norm.weight", shape: [576], values: weights)
///     try writer.write(to: "out/model.safetensors", metadata: ["format": "pt"])
public struct SafetensorsWriter {
    private enum Storage {
        case owned([Float])
        case borrowed(UnsafeBufferPointer<Float>)
    }
    private var tensors: [String: (shape: [Int], storage: Storage)] = [:]

    public init() {}

    public mutating func add(_ name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not match \(values.count) values")
        precondition(tensors[name] == nil, "duplicate tensor \(name)")
        tensors[name] = (shape, .owned(values))
    }

    /// Adds a tensor without copying it: `values` must stay valid and unchanged until `write`.
    public mutating func add(_ name: String, shape: [Int], borrowing values: UnsafeBufferPointer<Float>) {
        precondition(shape.reduce(1, *) == values.count, "\(name): shape \(shape) does not match \(values.count) values")
        precondition(tensors[name] == nil, "duplicate tensor \(name)")
        tensors[name] = (shape, .borrowed(values))
    }

    public func write(to path: String, metadata: [String: String] = [:]) throws {
        let names = tensors.keys.sorted()
        var header = [String: Any]()
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let bytes = tensor.shape.reduce(1, *) * 4
            header[name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + bytes]] as [String: Any]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        let writer = try AtomicFileWriter(path: path)
        var length = UInt64(json.count).littleEndian
        try withUnsafeBytes(of: &length) { try writer.write($0) }
        try writer.write(json)
        for name in names {
            switch tensors[name]!.storage {
            case .owned(let values): try values.withUnsafeBytes { try writer.write($0) }
            case .borrowed(let values): try writer.write(UnsafeRawBufferPointer(values))
            }
        }
        try writer.commit()
    }
}
