import Foundation
import RCSCore
import Testing

/// The streaming base64 decoder gives Foundation's answer whatever the chunking.
@Suite struct Base64DecodingTests {
    func decode(_ text: String, upstreamCapacity: Int, readSize: Int) throws -> [UInt8] {
        let upstream = BufferedReader(MemorySource(Array(text.utf8)), capacity: upstreamCapacity)
        let source = Base64DecodingSource(upstream: upstream)
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: readSize)
        while true {
            let n = try buffer.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            result += buffer.prefix(n)
        }
        return result
    }

    @Test(arguments: [0, 1, 2, 3, 4, 5, 47, 48, 49, 1000])
    func matchesFoundationAtEveryChunking(_ size: Int) throws {
        let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let encoded = Data(bytes).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]) + "\n"
        for (capacity, readSize) in [(64, 6), (67, 9), (4096, 4096), (64, 1 << 16)] {
            #expect(try decode(encoded, upstreamCapacity: capacity, readSize: readSize) == bytes, "size \(size), chunks \(capacity)/\(readSize)")
        }
    }

    @Test func stopsAtThePEMEndLineAndLeavesIt() throws {
        let upstream = BufferedReader(MemorySource(Array("aGVsbG8=\n-----END CMS-----\n".utf8)))
        let source = Base64DecodingSource(upstream: upstream)
        var decoded: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while case let n = try buffer.withUnsafeMutableBytes({ try source.read(into: $0) }), n > 0 { decoded += buffer.prefix(n) }
        #expect(decoded == Array("hello".utf8))
        #expect(try upstream.peek(9) == Array("-----END ".utf8))
    }

    @Test func rejectsCharactersOutsideTheAlphabet() throws {
        #expect(throws: RCSError.self) { try decode("aGV*bG8=", upstreamCapacity: 64, readSize: 64) }
        #expect(throws: RCSError.self) { try decode("aGVsbG8=aGVs", upstreamCapacity: 64, readSize: 64) }
        #expect(throws: RCSError.self) { try decode("aGVsb", upstreamCapacity: 64, readSize: 64) }
    }
}
