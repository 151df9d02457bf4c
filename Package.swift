// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "rcs",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "rcs", targets: ["rcs"]),
        .library(name: "RCSCore", targets: ["RCSCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System OpenSSL 3 (libssl-dev); the shim wraps macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // The domain: all OpenSSL calls and unsafe pointer code live here, behind Swift types.
        .target(
            name: "RCSCore",
            dependencies: ["COpenSSL"]
        ),
        // The thin command line.
        .executableTarget(
            name: "rcs",
            dependencies: [
                "RCSCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: a shell runner and a test PKI made by the openssl CLI.
        .target(name: "RCSTestSupport", path: "Tests/RCSTestSupport"),
        .testTarget(name: "RCSCoreTests", dependencies: ["RCSCore", "RCSTestSupport"]),
        .testTarget(name: "RCSCLITests", dependencies: ["RCSCore", "RCSTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
