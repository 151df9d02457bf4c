import Foundation

/// A small PKI made once per test process by the openssl CLI: a root CA, an
/// intermediate CA, two tenants' recording certificates with their keys in
/// every format RCS reads, and the odd certificates chain tests need.
public final class TestPKI: Sendable {
    public let directory: String
    public static let keyPassword = "correct horse battery staple"

    /// A recording certificate and its key in each stored form.
    public struct Identity: Sendable {
        public let certificate: String
        /// `BEGIN PRIVATE KEY`
        public let pkcs8PEM: String
        public let pkcs8PEMEncrypted: String
        /// `BEGIN RSA PRIVATE KEY`
        public let pkcs1PEM: String
        /// `BEGIN RSA PRIVATE KEY` with `Proc-Type: 4,ENCRYPTED`
        public let pkcs1PEMEncrypted: String
        public let pkcs8DER: String
        public let pkcs8DEREncrypted: String

        /// (path, needs password) for every form, in a fixed order.
        public var allKeyForms: [(path: String, encrypted: Bool)] {
            [(pkcs8PEM, false), (pkcs8PEMEncrypted, true), (pkcs1PEM, false),
             (pkcs1PEMEncrypted, true), (pkcs8DER, false), (pkcs8DEREncrypted, true)]
        }
    }

    public let rootCA: String
    public let rootKey: String
    public let intermediateCA: String
    public let tenantA: Identity
    public let tenantB: Identity
    /// Signed by a root nobody trusts.
    public let foreignLeaf: String
    public let foreignRoot: String
    /// Valid 2021-2022, under the backdated hierarchy.
    public let expiredLeaf: String
    /// A root and an intermediate valid 2020-2040, made with `openssl ca -startdate`.
    public let backdatedRoot: String
    public let backdatedIntermediate: String
    /// RSA-1024.
    public let weakLeaf: String
    /// Issued by tenant A's (non-CA) certificate.
    public let leafIssuedByLeaf: String
    /// Tenant A's certificate with one signature byte changed.
    public let badSignatureLeaf: String
    /// Valid 2030-2031, under the backdated hierarchy.
    public let notYetValidLeaf: String

    /// The private key (PKCS#8 PEM) of one of the odd leaves above.
    public func key(of certificate: String) -> String {
        String(certificate.dropLast(4)) + ".key"
    }

    /// An EC key and certificate (unsupported for recordings).
    public let ecKey: String
    public let ecCertificate: String

    /// One PKI per test process.
    public static let shared: TestPKI = {
        do { return try TestPKI() } catch { fatalError("cannot build the test PKI: \(error)") }
    }()

    public init() throws {
        let dir = try TemporaryDirectory("rcs-pki")
        directory = dir.path
        func f(_ name: String) -> String { dir.file(name) }
        let password = "pass:\(Self.keyPassword)"

        try Self.write(f("ca.cnf"), """
            [req]
            distinguished_name = dn
            [dn]
            [v3_ca]
            basicConstraints = critical,CA:TRUE
            keyUsage = critical,keyCertSign,cRLSign
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            [v3_leaf]
            basicConstraints = critical,CA:FALSE
            keyUsage = critical,keyEncipherment,dataEncipherment
            subjectKeyIdentifier = hash
            authorityKeyIdentifier = keyid:always
            """)

        rootKey = f("root.key")
        rootCA = f("root.pem")
        try Shell.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rootKey, "-out", rootCA,
                          "-subj", "/C=US/O=RCS Test/CN=RCS Test Root CA", "-days", "3650",
                          "-config", f("ca.cnf"), "-extensions", "v3_ca")
        let intermediateKey = f("intermediate.key")
        let intermediateCA = f("intermediate.pem")
        self.intermediateCA = intermediateCA
        try Self.issue(subject: "/C=US/O=RCS Test/CN=RCS Test Intermediate CA", key: intermediateKey, out: intermediateCA,
                       issuer: rootCA, issuerKey: rootKey, extensions: "v3_ca", config: f("ca.cnf"), dir: dir)

        func identity(_ name: String, subject: String) throws -> Identity {
            let key = f("\(name).key")
            let cert = f("\(name).pem")
            try Self.issue(subject: subject, key: key, out: cert, issuer: intermediateCA, issuerKey: intermediateKey,
                           extensions: "v3_leaf", config: f("ca.cnf"), dir: dir)
            let forms = Identity(certificate: cert, pkcs8PEM: key, pkcs8PEMEncrypted: f("\(name).p8e.pem"),
                                 pkcs1PEM: f("\(name).rsa.pem"), pkcs1PEMEncrypted: f("\(name).rsae.pem"),
                                 pkcs8DER: f("\(name).p8.der"), pkcs8DEREncrypted: f("\(name).p8e.der"))
            try Shell.openssl("pkcs8", "-topk8", "-in", key, "-out", forms.pkcs8PEMEncrypted, "-passout", password)
            try Shell.openssl("rsa", "-in", key, "-traditional", "-out", forms.pkcs1PEM)
            try Shell.openssl("rsa", "-in", key, "-traditional", "-aes256", "-passout", password, "-out", forms.pkcs1PEMEncrypted)
            try Shell.openssl("pkcs8", "-topk8", "-nocrypt", "-in", key, "-outform", "DER", "-out", forms.pkcs8DER)
            try Shell.openssl("pkcs8", "-topk8", "-in", key, "-outform", "DER", "-out", forms.pkcs8DEREncrypted, "-passout", password)
            return forms
        }
        let tenantA = try identity("tenant-a", subject: "/C=US/O=Tenant A/CN=Tenant A Recording/emailAddress=rec@tenant-a.example")
        self.tenantA = tenantA
        tenantB = try identity("tenant-b", subject: "/C=DE/O=Tenant B/CN=Tenant B Recording")

        foreignRoot = f("foreign-root.pem")
        try Shell.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f("foreign-root.key"), "-out", foreignRoot,
                          "-subj", "/CN=Someone Else Root", "-days", "3650", "-config", f("ca.cnf"), "-extensions", "v3_ca")
        foreignLeaf = f("foreign-leaf.pem")
        try Self.issue(subject: "/CN=Foreign Leaf", key: f("foreign-leaf.key"), out: foreignLeaf, issuer: foreignRoot,
                       issuerKey: f("foreign-root.key"), extensions: "v3_leaf", config: f("ca.cnf"), dir: dir)
        weakLeaf = f("weak.pem")
        try Self.issue(subject: "/CN=Weak Leaf", key: f("weak.key"), out: weakLeaf, issuer: intermediateCA,
                       issuerKey: intermediateKey, extensions: "v3_leaf", config: f("ca.cnf"), dir: dir, bits: 1024)
        leafIssuedByLeaf = f("leaf-by-leaf.pem")
        try Self.issue(subject: "/CN=Issued By A Leaf", key: f("leaf-by-leaf.key"), out: leafIssuedByLeaf,
                       issuer: tenantA.certificate, issuerKey: tenantA.pkcs8PEM, extensions: "v3_leaf",
                       config: f("ca.cnf"), dir: dir)
        badSignatureLeaf = f("bad-signature.pem")
        let der = try Shell.openssl("x509", "-in", tenantA.certificate, "-outform", "DER").stdout
        var tampered = [UInt8](der)
        tampered[tampered.count - 10] ^= 0x01 // inside the signature value
        try Data(tampered).write(to: URL(fileURLWithPath: badSignatureLeaf))

        // A backdated hierarchy (2020-2040), so expired and future leaves have CAs
        // that are valid when the leaves are: `openssl ca` sets any dates.
        try Self.write(f("ca-db.cnf"), """
            [ca]
            default_ca = local
            [local]
            database = \(f("index.txt"))
            new_certs_dir = \(dir.path)
            serial = \(f("serial.txt"))
            default_md = sha256
            policy = anything
            unique_subject = no
            copy_extensions = none
            [anything]
            commonName = supplied
            organizationName = optional
            """)
        try Self.write(f("index.txt"), "")
        try Self.write(f("serial.txt"), "1000\n")
        func signWithCA(_ name: String, subject: String, issuer: String?, issuerKey: String?, extensions: String,
                        from start: String, to end: String) throws -> String {
            try Shell.openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f("\(name).key"), "-out", f("\(name).csr"),
                              "-subj", subject)
            var arguments = ["ca", "-batch", "-config", f("ca-db.cnf"), "-in", f("\(name).csr"), "-out", f("\(name).pem"),
                             "-startdate", start, "-enddate", end, "-notext", "-extfile", f("ca.cnf"), "-extensions", extensions]
            if let issuer, let issuerKey {
                arguments += ["-cert", issuer, "-keyfile", issuerKey]
            } else {
                arguments += ["-selfsign", "-keyfile", f("\(name).key")]
            }
            try Shell.opensslArgs(arguments)
            return f("\(name).pem")
        }
        backdatedRoot = try signWithCA("old-root", subject: "/O=RCS Test/CN=RCS Backdated Root CA", issuer: nil, issuerKey: nil,
                                       extensions: "v3_ca", from: "20200101000000Z", to: "20400101000000Z")
        backdatedIntermediate = try signWithCA("old-intermediate", subject: "/O=RCS Test/CN=RCS Backdated Intermediate CA",
                                               issuer: backdatedRoot, issuerKey: f("old-root.key"), extensions: "v3_ca",
                                               from: "20200101000000Z", to: "20400101000000Z")
        expiredLeaf = try signWithCA("expired", subject: "/CN=Expired Leaf", issuer: backdatedIntermediate,
                                     issuerKey: f("old-intermediate.key"), extensions: "v3_leaf",
                                     from: "20210101000000Z", to: "20220101000000Z")
        notYetValidLeaf = try signWithCA("future", subject: "/CN=Future Leaf", issuer: backdatedIntermediate,
                                         issuerKey: f("old-intermediate.key"), extensions: "v3_leaf",
                                         from: "20300101000000Z", to: "20310101000000Z")

        ecKey = f("ec.key")
        ecCertificate = f("ec.pem")
        try Shell.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                          "-keyout", ecKey, "-out", ecCertificate, "-subj", "/CN=EC Recording", "-days", "30")
    }

    private static func issue(subject: String, key: String, out: String, issuer: String, issuerKey: String,
                              extensions: String, config: String, dir: TemporaryDirectory,
                              days: String = "825", bits: Int = 2048) throws {
        let csr = out + ".csr"
        try Shell.openssl("req", "-new", "-newkey", "rsa:\(bits)", "-nodes", "-keyout", key, "-out", csr, "-subj", subject)
        try Shell.openssl("x509", "-req", "-in", csr, "-CA", issuer, "-CAkey", issuerKey, "-CAcreateserial",
                          "-out", out, "-days", days, "-extfile", config, "-extensions", extensions)
    }

    private static func write(_ path: String, _ text: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
