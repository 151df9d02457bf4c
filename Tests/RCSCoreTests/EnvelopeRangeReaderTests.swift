import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// Any plaintext range of an openssl-made envelope decrypts to the exact
/// slice, reading only the blocks it needs.
@Suite struct EnvelopeRangeReaderTests {
    let pki = TestPKI.shared

    struct Case: Sendable, CustomTestStringConvertible {
        let cipher: String
        let streamed: Bool
        var testDescription: String { "\(cipher)\(streamed ? " streamed" : "")" }
    }

    static let cases = ["aes-128-cbc", "aes-256-cbc", "aes-256-gcm", "des3"].flatMap { cipher in [false, true].map { Case(cipher: cipher, streamed: $0) } }

    func reader(for envelope: String) throws -> EnvelopeRangeReader {
        let (header, map) = try EnvelopeContentMap.read(path: envelope)
        let decryptor = try EnvelopeDecryptor(key: PrivateKey.load(path: pki.tenantA.pkcs8PEM, password: nil),
                                              certificate: Certificate.load(path: pki.tenantA.certificate).first)
        return try EnvelopeRangeReader(path: envelope, map: map, contentKey: decryptor.contentKey(for: header))
    }

    @Test(arguments: cases)
    func rangesEqualTheirSlices(_ c: Case) throws {
        let dir = try TemporaryDirectory("rcs-range")
        defer { dir.remove() }
        let size = 200_003
        let plainPath = try dir.randomFile("plain", size: size)
        let plain = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plainPath)))
        let envelope = dir.file("envelope.der")
        var arguments = ["cms", "-encrypt", "-binary", "-\(c.cipher)", "-in", plainPath, "-outform", "DER", "-out", envelope]
        if c.streamed { arguments.append("-stream") }
        try Shell.opensslArgs(arguments + [pki.tenantA.certificate])
        let reader = try reader(for: envelope)
        #expect(reader.plaintextLength == UInt64(size))
        if c.streamed { #expect(reader.map.runs.count <= 3, "chunks should compress into runs: \(reader.map.runs.count)") }
        try reader.verifyTag()
        let n = UInt64(size)
        for range in [0..<1, 0..<16, 15..<17, 16..<32, 1000..<5000, 4095..<4097, (n - 1)..<n, (n - 100)..<n, (n / 2)..<(n / 2 + 65_536), 0..<n] as [Range<UInt64>] {
            var got: [UInt8] = []
            try reader.read(range, chunk: 10_000) { got += $0 }
            #expect(got == Array(plain[Int(range.lowerBound)..<Int(range.upperBound)]), "\(range)")
            // The in-place path the server streams with.
            var buffer = [UInt8](repeating: 0, count: reader.capacity(for: range))
            let skip = try buffer.withUnsafeMutableBytes { try reader.decrypt(range, into: $0) }
            #expect(Array(buffer[skip..<(skip + Int(range.count))]) == Array(plain[Int(range.lowerBound)..<Int(range.upperBound)]), "in place \(range)")
        }
    }

    @Test func tamperedGCMFailsItsTagCheck() throws {
        let dir = try TemporaryDirectory("rcs-range")
        defer { dir.remove() }
        let plainPath = try dir.randomFile("plain", size: 50_000)
        let envelope = dir.file("envelope.der")
        try Shell.openssl("cms", "-encrypt", "-binary", "-aes-256-gcm", "-in", plainPath, "-outform", "DER", "-out", envelope, pki.tenantA.certificate)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: envelope)))
        bytes[bytes.count / 2] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: envelope))
        let reader = try reader(for: envelope)
        let error = try #require(throws: RCSError.self) { try reader.verifyTag() }
        #expect(error.code == .authenticationFailed)
    }

    @Test func wrongKeyIsADecryptionFailureForCBC() throws {
        let dir = try TemporaryDirectory("rcs-range")
        defer { dir.remove() }
        let plainPath = try dir.randomFile("plain", size: 10_000)
        let envelope = dir.file("envelope.der")
        try Shell.openssl("cms", "-encrypt", "-binary", "-aes-256-cbc", "-in", plainPath, "-outform", "DER", "-out", envelope, pki.tenantA.certificate)
        let (_, map) = try EnvelopeContentMap.read(path: envelope)
        // A random key almost always breaks the padding (1 in 256 it does not: try a few).
        var failures = 0
        for _ in 0..<8 {
            if (try? EnvelopeRangeReader(path: envelope, map: map, contentKey: (0..<32).map { _ in UInt8.random(in: 0...255) })) == nil { failures += 1 }
        }
        #expect(failures >= 6)
    }

    @Test func textEnvelopesHaveNoRandomAccess() throws {
        let dir = try TemporaryDirectory("rcs-range")
        defer { dir.remove() }
        let plainPath = try dir.randomFile("plain", size: 100)
        try Shell.openssl("cms", "-encrypt", "-binary", "-in", plainPath, "-outform", "PEM", "-out", dir.file("e.pem"), pki.tenantA.certificate)
        let error = try #require(throws: RCSError.self) { try EnvelopeContentMap.build(path: dir.file("e.pem")) }
        #expect(error.reason.contains("DER"))
    }
}
