import ArgumentParser
import RCSCore

/// `--password` or `--password-file`, for encrypted private keys.
struct PasswordOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Password of an encrypted private key (visible to other users in `ps`: prefer --password-file).", valueName: "P"))
    var password: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("File whose first line is the private key's password.", valueName: "F"))
    var passwordFile: String?

    func validate() throws {
        if password != nil && passwordFile != nil {
            throw ValidationError("give --password or --password-file, not both")
        }
    }

    /// The password, from the option or the file's first line.
    func resolve() throws -> String? {
        if let password { return password }
        guard let passwordFile else { return nil }
        let source = try FileDescriptorSource(path: passwordFile)
        let reader = BufferedReader(source, capacity: 4096)
        let bytes = try reader.peek(4096)
        let line = bytes.prefix { $0 != 0x0A && $0 != 0x0D }
        guard let text = String(validating: line, as: UTF8.self) else {
            throw RCSError(.wrongPassword, "the password file \(passwordFile) is not UTF-8 text")
        }
        return text
    }
}
