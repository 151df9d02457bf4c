import Foundation
import RCSCore
import RCSTestSupport
import Testing

/// The envelope reader against hostile and damaged input, in-process.
@Suite struct EnvelopeReaderTests {
    let pki = TestPKI.shared

    func decryptor() throws -> EnvelopeDecryptor {
        try EnvelopeDecryptor(key: PrivateKey.load(path: pki.tenantA.pkcs8PEM, password: nil),
                              certificate: Certificate.load(path: pki.tenantA.certificate).first)
    }

    /// Decrypts bytes held in memory; small buffers force every chunk boundary.
    func open(_ envelope: [UInt8], capacity: Int = 1 << 20) throws -> [UInt8] {
        let input = try EnvelopeInput(BufferedReader(MemorySource(envelope), capacity: capacity), bufferCapacity: capacity)
        var plaintext: [UInt8] = []
        try decryptor().decrypt(EnvelopeReader(input.der), chunkCapacity: 4096) { plaintext += $0 }
        try input.finish()
        return plaintext
    }

    func opensslEnvelope(_ dir: TemporaryDirectory, _ plaintext: String, _ options: [String]) throws -> [UInt8] {
        let out = dir.file("envelope-\(UUID().uuidString)")
        try Shell.opensslArgs(["cms", "-encrypt", "-binary", "-in", plaintext, "-out", out] + options + [pki.tenantA.certificate])
        return [UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))
    }

    @Test func smallBuffersGiveTheSameBytes() throws {
        let dir = try TemporaryDirectory("rcs-reader")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("p", size: 20_000)
        let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plaintext)))
        for options in [["-outform", "DER", "-stream"], ["-outform", "PEM", "-stream", "-aes-256-gcm"], ["-outform", "SMIME"]] {
            let envelope = try opensslEnvelope(dir, plaintext, options)
            for capacity in [64, 100, 4096] {
                #expect(try open(envelope, capacity: capacity) == expected, "\(options) capacity \(capacity)")
            }
        }
    }

    @Test func hugeLengthClaimsFailWithoutAllocating() throws {
        // ContentInfo claiming 2^62 bytes, then an OID claiming 2^40 bytes.
        let claims: [[UInt8]] = [
            [0x30, 0x88, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x06, 0x09] + OIDBytes.envelopedData,
            [0x30, 0x80, 0x06, 0x85, 0x01, 0, 0, 0, 0],
            [0x30, 0x80, 0x06, 0x09] + OIDBytes.envelopedData + [0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x00, 0x31, 0x84, 0x7F, 0xFF, 0xFF, 0xFF],
        ]
        for bytes in claims {
            let error = try #require(throws: RCSError.self) { try open(bytes) }
            #expect([.truncatedEnvelope, .malformedEnvelope].contains(error.code), "\(error)")
        }
    }

    @Test func deepNestingIsRefused() throws {
        var bytes: [UInt8] = [0x30, 0x80, 0x06, 0x09] + OIDBytes.envelopedData + [0xA0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x00]
        bytes += Array(repeating: [0x31, 0x80], count: 100).flatMap { $0 } + Array(repeating: 0, count: 200)
        let error = try #require(throws: RCSError.self) { try open(bytes) }
        #expect(error.reason.contains("deeply"), "\(error)")
    }

    @Test func signedDataIsNamed() throws {
        let dir = try TemporaryDirectory("rcs-reader")
        defer { dir.remove() }
        let plaintext = try dir.randomFile("p", size: 100)
        try Shell.openssl("cms", "-sign", "-binary", "-in", plaintext, "-signer", pki.tenantA.certificate, "-inkey", pki.tenantA.pkcs8PEM,
                          "-outform", "DER", "-out", dir.file("signed.der"))
        let error = try #require(throws: RCSError.self) { try open([UInt8](Data(contentsOf: URL(fileURLWithPath: dir.file("signed.der"))))) }
        #expect(error.reason.contains("signed data"))
    }

    @Test func trailingDataIsRefused() throws {
        let dir = try TemporaryDirectory("rcs-reader")
        defer { dir.remove() }
        let envelope = try opensslEnvelope(dir, try dir.randomFile("p", size: 1000), ["-outform", "DER"])
        let error = try #require(throws: RCSError.self) { try open(envelope + [0x00, 0x01]) }
        #expect(error.reason.contains("after the end"))
    }

    /// Single-byte damage anywhere: either the exact plaintext (bytes that do
    /// not matter, like an unused bit in a name) or a RCSError; never a
    /// crash, a hang, or wrong bytes reported as success for GCM.
    @Test(arguments: [["-outform", "DER", "-aes-256-gcm"], ["-outform", "DER", "-stream", "-aes-256-gcm"]])
    func mutationsNeverGiveWrongPlaintext(_ options: [String]) throws {
        let dir = try TemporaryDirectory("rcs-reader")
        defer { dir.remove() }
        let plaintextPath = try dir.randomFile("p", size: 3000)
        let expected = [UInt8](try Data(contentsOf: URL(fileURLWithPath: plaintextPath)))
        let envelope = try opensslEnvelope(dir, plaintextPath, options)
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        for round in 0..<400 {
            var mutated = envelope
            let position = round < envelope.count ? (round * 7919) % envelope.count : Int.random(in: 0..<envelope.count, using: &generator)
            mutated[position] ^= UInt8.random(in: 1...255, using: &generator)
            do {
                let plaintext = try open(mutated, capacity: 512)
                #expect(plaintext == expected, "byte \(position) changed and wrong plaintext came out")
            } catch is RCSError {
                failures += 1
            }
        }
        #expect(failures > 300, "most mutations must be caught, \(failures) were")
    }
}

/// Content octets of OIDs used to build hostile inputs by hand.
enum OIDBytes {
    static let envelopedData: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x03]
}
