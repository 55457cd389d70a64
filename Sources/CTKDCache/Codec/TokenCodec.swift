/// The tokens part (schemas/README.md, "tokens blob", version 1): the teacher's token id at each
/// position as varints, then each token's byte length as varints.
public enum TokenCodec {
    public static func encode(_ tokens: TeacherTokens) -> [UInt8] {
        var ids = ByteWriter(), lengths = ByteWriter()
        for position in 0..<tokens.count {
            ids.varint(Int(tokens.ids[position]))
            lengths.varint(tokens.byteSpan(position).count)
        }
        var out = ByteWriter()
        out.varint(tokens.count)
        out.varint(ids.bytes.count)
        out.append(ids.bytes)
        out.append(lengths.bytes)
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, expectedPositions: Int, responseBytes: Int) throws -> TeacherTokens {
        var reader = ByteReader(payload)
        let positions = try reader.count(max: expectedPositions, "token positions")
        guard positions == expectedPositions else { throw CacheFormatError("tokens part has \(positions) positions, the row says \(expectedPositions)") }
        let idLength = try reader.count(max: reader.remaining, "token id stream length")
        var idReader = ByteReader(try reader.bytes(idLength))
        var ids = [Int32](), ends = [Int32]()
        var end = 0
        for _ in 0..<positions {
            ids.append(Int32(try idReader.count(max: Int(Int32.max), "token id")))
            end += try reader.count(max: responseBytes, "token byte length")
            guard end <= responseBytes else { throw CacheFormatError("token spans run past the response (\(end) > \(responseBytes))") }
            ends.append(Int32(end))
        }
        try idReader.expectEnd("token id stream")
        try reader.expectEnd("tokens part")
        return TeacherTokens(ids: ids, byteEnds: ends)
    }
}
