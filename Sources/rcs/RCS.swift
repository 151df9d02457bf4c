import ArgumentParser
import RCSServer

@main
struct RCS: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rcs",
        abstract: "Recording Crypto Server: CMS envelopes for call recordings, openssl-compatible.",
        discussion: """
        Files named `-` are standard input or output. Output files appear only \
        when complete: a failure never leaves a partial OUT.

        EXIT CODES
          0   success
          1   unexpected failure
          2   the input is not what was expected (not PEM/DER, malformed or truncated envelope, unsupported algorithm)
          3   key problem (password missing or wrong, unsupported key type, key does not match certificate)
          4   no recipient of the envelope matches the key
          5   the content did not decrypt or failed authentication (wrong key, tampered)
          6   the certificate did not verify (rcs verify)
          7   a file could not be read or written
          64  bad command-line usage
        """,
        version: RCSVersion.string,
        subcommands: [ServeCommand.self, InspectCommand.self, EncryptCommand.self, DecryptCommand.self, VerifyCommand.self,
                      KeystoreCommand.self, CatalogCommand.self]
    )
}
