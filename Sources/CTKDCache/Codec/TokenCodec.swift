/// The tokens part (schemas/README.md, "tokens blob", codec version 2): per position the
/// teacher token's rank in the token order and its byte length, rANS-coded.
public enum TokenCodec {
    public static func encode(_ tokens: TeacherTokens, codec: CacheCodec) -> [UInt8] {
        let rankTable = codec.tables.table("tokens.rank"), lengthTable = codec.tables.table("tokens.length")
        var encoder = RANSEncoder(capacity: 2 * tokens.count)
        for position in 0..<tokens.count {
            encoder.putInteger(codec.tokenOrder.rank(of: tokens.ids[position]), table: rankTable)
            encoder.putInteger(tokens.byteSpan(position).count, table: lengthTable)
        }
        var out = ByteWriter()
        out.varint(tokens.count)
        out.append(encoder.finish())
        return out.bytes
    }

    public static func decode(_ payload: UnsafeRawBufferPointer, codec: CacheCodec, expectedPositions: Int,
                              responseBytes: Int) throws -> TeacherTokens {
        var reader = ByteReader(payload)
        let positions = try reader.count(max: expectedPositions, "token positions")
        guard positions == expectedPositions else { throw CacheFormatError("tokens part has \(positions) positions, the row says \(expectedPositions)") }
        var decoder = try RANSDecoder(try reader.bytes(reader.remaining))
        let rankSlots = codec.tables.decoding("tokens.rank"), lengthSlots = codec.tables.decoding("tokens.length")
        var ids = [Int32](repeating: 0, count: positions), ends = [Int32](repeating: 0, count: positions)
        var end = 0
        for position in 0..<positions {
            let rank = decoder.getInteger(rankSlots[0])
            end += decoder.getInteger(lengthSlots[0])
            guard rank <= Int(Int32.max), end <= responseBytes else {
                throw CacheFormatError("token spans run past the response (\(end) > \(responseBytes)) or a token is out of range")
            }
            ids[position] = codec.tokenOrder.id(ofRank: rank)
            ends[position] = Int32(end)
        }
        try decoder.finish("tokens part")
        return TeacherTokens(ids: ids, byteEnds: ends)
    }
}
