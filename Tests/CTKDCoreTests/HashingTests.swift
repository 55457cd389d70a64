import Testing
@testable import CTKDCore

@Suite struct HashingTests {
    // NIST FIPS 180-2 examples, and Python hashlib for the longer inputs.
    @Test func sha256KnownVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1000))
                == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func sha256RawBufferMatchesSequenceUpdate() {
        let bytes = (0..<5).flatMap { _ in (0..<256).map { UInt8($0) } }
        var hasher = SHA256()
        bytes.withUnsafeBytes { raw in
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<7]))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[7..<200]))
            hasher.update(UnsafeRawBufferPointer(rebasing: raw[200...]))
        }
        #expect(hasher.finalizeHex() == "d414b085826eb06778483ba35564dc849e643359f69ed9747878ba6e54985bed")
        #expect(SHA256.hex(bytes) == "d414b085826eb06778483ba35564dc849e643359f69ed9747878ba6e54985bed")
    }

    // Reference values from the `xxhash` Python package (xxh64).
    @Test func xxHash64KnownVectors() {
        let fox = Array(String(repeating: "The quick brown fox jumps over the lazy dog", count: 3).utf8)
        let cases: [([UInt8], UInt64, UInt64)] = [
            ([], 0xef46db3751d8e999, 0x95f0626f6f0a4409),
            (Array("abc".utf8), 0x44bc2cf5ad770999, 0x9e755206156676d7),
            ([UInt8](repeating: 0x61, count: 31), 0xfe47067cda802916, 0x7684245686935331),
            ([UInt8](repeating: 0x61, count: 32), 0x856e843298f99ad7, 0xfdb8f8ed1c947329),
            (fox, 0xc652b4dbfcd6b853, 0x77d8aa7bc210e644),
        ]
        for (input, seed0, seed7) in cases {
            #expect(XXHash64.hash(input) == seed0)
            #expect(XXHash64.hash(input, seed: 7) == seed7)
        }
    }
}
