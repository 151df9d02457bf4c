import ArgumentParser
import RCSCore

struct DecryptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decrypt",
        abstract: "Open a CMS/PKCS#7 envelope (DER, PEM or S/MIME; CBC or GCM; streamed or not), streaming.",
        discussion: """
        With --cert, only the recipient naming that certificate is tried (by issuer \
        and serial number or subject key identifier); without it, every RSA \
        recipient is tried. For AES-GCM nothing is released before the \
        authentication tag is verified.
        """
    )

    @Option(name: .long, help: ArgumentHelp("Private key: PKCS#1 or PKCS#8, PEM or DER, encrypted or not.", valueName: "KEY"))
    var key: String

    @Option(name: .long, help: ArgumentHelp("The key's certificate, to choose the matching recipient.", valueName: "CERT"))
    var cert: String?

    @OptionGroup var passwordOptions: PasswordOptions

    @Argument(help: ArgumentHelp("The envelope (`-` for standard input).", valueName: "IN"))
    var input: String

    @Argument(help: ArgumentHelp("Where the plaintext goes (`-` for standard output).", valueName: "OUT"))
    var output: String

    static let buffer = 256 << 10

    func run() throws {
        try reportingErrors {
            let privateKey = try PrivateKey.load(path: key, password: passwordOptions.resolve())
            let certificate = try cert.map { path in
                guard let first = try Certificate.load(path: path).first else {
                    throw RCSError(.wrongKind, "\(path) holds no certificate")
                }
                return first
            }
            let decryptor = try EnvelopeDecryptor(key: privateKey, certificate: certificate)
            // 256 KiB buffers: the same speed as 1 MiB here, and peak memory stays
            // under 32 MiB with the server's code linked into the same executable.
            let envelopeInput = try EnvelopeInput(BufferedReader(FileDescriptorSource(path: input), capacity: Self.buffer),
                                                  bufferCapacity: Self.buffer)
            let reader = EnvelopeReader(envelopeInput.der)
            let header = try reader.readHeader()
            // Authenticated content reaching a pipe must wait for its tag: spool it.
            let spool = header.contentEncryption.isAEAD && output == "-" ? try TemporarySpool() : nil
            let out = try AtomicOutput(path: output, bufferSize: Self.buffer)
            try decryptor.decrypt(reader, chunkCapacity: Self.buffer) { chunk in
                if let spool { try spool.write(chunk) } else { try out.write(chunk) }
            }
            try envelopeInput.finish()
            if let spool { try spool.drain { try out.write($0) } }
            try out.commit()
        }
    }
}
