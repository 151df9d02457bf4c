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
        .package(url: "https://github.com/vapor/vapor", from: "4.110.0"),
        .package(url: "https://github.com/vapor/fluent", from: "4.12.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver", from: "4.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.27.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/vapor/leaf", from: "4.5.0"),
    ],
    targets: [
        // System OpenSSL 3 (libssl-dev); the shim wraps macros Swift cannot import.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // libxml2 (libxml2-dev) for WebDAV request bodies.
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        // The domain: all OpenSSL calls and unsafe pointer code live here, behind Swift types.
        .target(
            name: "RCSCore",
            dependencies: ["COpenSSL", "CLibXML2"]
        ),
        // The Vapor app: routes, controllers, Fluent models, admin pages (Leaf). Never touches C.
        .target(
            name: "RCSServer",
            dependencies: [
                "RCSCore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Leaf", package: "leaf"),
            ]
        ),
        // The thin command line.
        .executableTarget(
            name: "rcs",
            dependencies: [
                "RCSCore",
                "RCSServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: a shell runner and a test PKI made by the openssl CLI.
        .target(name: "RCSTestSupport", path: "Tests/RCSTestSupport"),
        .testTarget(name: "RCSCoreTests", dependencies: ["RCSCore", "RCSTestSupport"]),
        .testTarget(name: "RCSCLITests", dependencies: ["RCSCore", "RCSTestSupport"]),
        .testTarget(
            name: "RCSServerTests",
            dependencies: ["RCSServer", "RCSCore", "RCSTestSupport", .product(name: "VaporTesting", package: "vapor")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
