// swift-tools-version:6.0
// compe: design contests and agile backlogs for a government app team.
// Module layout and data flow: docs/architecture.md (Content → CompeContent → CompeCore → CompeSite → Public;
// CLI and server → CompeServices → CompeStore). Linux only: CLinux refuses to build elsewhere
// (inotify, syncfs, ext4 directory flags), so no `platforms` are claimed.
import PackageDescription

/// `COMPE_FUZZ=libfuzzer`: the fuzz targets become libFuzzer programs (`FUZZING` defined, libFuzzer
/// linked in). Scripts/sanitized-build sets it for the AddressSanitizer build, whose code is also
/// coverage-instrumented, so one build serves the sanitized test suites and every fuzz target.
let libFuzzer = Context.environment["COMPE_FUZZ"] == "libfuzzer"
let fuzzSwift: [SwiftSetting] = libFuzzer ? [.define("FUZZING")] : []
let fuzzLink: [LinkerSetting] = libFuzzer ? [.unsafeFlags(["-sanitize=fuzzer"])] : []
/// `COMPE_TEST_INDEX_STORE=<path>`: only the test targets are indexed while building, into that
/// store. Scripts/sanitized builds with `--disable-index-store` (indexing is ~9% of a build and
/// nothing reads it) but test discovery on Linux reads the test targets' index, so they keep it.
let testIndex: [SwiftSetting] = Context.environment["COMPE_TEST_INDEX_STORE"].map { [.unsafeFlags(["-index-store-path", $0])] } ?? []

let package = Package(
    name: "compe",
    products: [
        .executable(name: "compe", targets: ["compe"]),
        // Scripts/bench ranking: simulated contests comparing ranking methods against the truth.
        .executable(name: "compe-ranking-sim", targets: ["RankingSimulation"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CDiscount",
            pkgConfig: "libmarkdown",
            providers: [.apt(["libmarkdown2-dev"])]
        ),
        .systemLibrary(
            name: "CLibdeflate",
            providers: [.apt(["libdeflate-dev"])]
        ),
        .target(name: "CLinux"),
        .target(name: "CompeCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The judge API's requests and answers, shared by the server and the judge's client.
        .target(name: "CompeWire"),
        .target(
            name: "CompeContent",
            dependencies: ["CompeCore", "CDiscount", .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "CompeSite",
            dependencies: ["CompeCore", "CompeContent", "CLinux", "CLibdeflate", .product(name: "Mustache", package: "swift-mustache"),
                           .product(name: "Crypto", package: "swift-crypto")],
            resources: [.copy("Theme")]
        ),
        .target(
            name: "CompeStore",
            dependencies: [
                "CompeCore", "CLinux",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The store on PostgreSQL (`--database postgres://…`), apart from CompeStore so that what
        // does not need it (the fuzz targets) builds without postgres-nio.
        .target(
            name: "CompePostgres",
            dependencies: [
                "CompeStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "CompeServices",
            dependencies: ["CompeCore", "CompeContent", "CompeStore", "CompeWire", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "CompeMail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .target(
            name: "CompeServer",
            dependencies: [
                "CompeCore", "CompeContent", "CompeSite", "CompeStore", "CompeServices", "CompeMail", "CompeWire",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            exclude: ["Vendor/LICENSE-multipart-kit"]
        ),
        .target(
            name: "CompeClient",
            dependencies: [
                "CompeCore", "CompeWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "compe",
            dependencies: [
                "CompeCore", "CompeContent", "CompeSite", "CompeServer", "CompeServices", "CompeStore", "CompeClient", "CompeMail", "CompePostgres",
                "CompeWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(name: "CompeTestSupport", path: "Tests/CompeTestSupport"),
        // Fuzz targets: libFuzzer entry points when built by Scripts/fuzz (-D FUZZING
        // -sanitize=fuzzer), otherwise small programs that replay a corpus (Scripts/test does).
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: fuzzSwift),
        .executableTarget(name: "RankingSimulation", dependencies: ["CompeCore"]),
        .executableTarget(name: "FuzzFrontMatter", dependencies: ["CompeContent", "CompeCore", "FuzzSupport"], path: "Fuzz/FuzzFrontMatter", swiftSettings: fuzzSwift, linkerSettings: fuzzLink),
        .executableTarget(name: "FuzzBacklog", dependencies: ["CompeContent", "CompeCore", "FuzzSupport"], path: "Fuzz/FuzzBacklog", swiftSettings: fuzzSwift, linkerSettings: fuzzLink),
        .executableTarget(name: "FuzzMultipart", dependencies: ["CompeServer", "FuzzSupport"], path: "Fuzz/FuzzMultipart", swiftSettings: fuzzSwift, linkerSettings: fuzzLink),
        .executableTarget(name: "FuzzRequest", dependencies: ["CompeServer", "CompeTestSupport", "FuzzSupport",
                                                              .product(name: "Hummingbird", package: "hummingbird"),
                                                              .product(name: "HTTPTypes", package: "swift-http-types"),
                                                              .product(name: "Logging", package: "swift-log"),
                                                              .product(name: "NIOCore", package: "swift-nio"),
                                                              .product(name: "NIOEmbedded", package: "swift-nio")],
                          path: "Fuzz/FuzzRequest", swiftSettings: fuzzSwift, linkerSettings: fuzzLink),
        .executableTarget(name: "FuzzTemplate", dependencies: ["CompeSite", "CompeContent", "FuzzSupport"], path: "Fuzz/FuzzTemplate", swiftSettings: fuzzSwift, linkerSettings: fuzzLink),
        .testTarget(name: "CompeContentTests", dependencies: ["CompeContent", "CompeCore", "CompeTestSupport",
                                                            .product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
                    swiftSettings: testIndex),
        .testTarget(name: "CompeSiteTests", dependencies: ["CompeSite", "CompeContent", "CompeCore", "CompeTestSupport"], swiftSettings: testIndex),
        .testTarget(name: "CompeCoreTests", dependencies: ["CompeCore"], swiftSettings: testIndex),
        .testTarget(name: "CompeStoreTests", dependencies: ["CompeStore", "CompeCore", "CompePostgres", "CompeTestSupport", .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: testIndex),
        .testTarget(name: "CompeServicesTests", dependencies: ["CompeServices", "CompeWire", "CompeStore", "CompeContent", "CompeCore", "CompeSite", "CompeTestSupport"], swiftSettings: testIndex),
        .testTarget(
            name: "CompeServerTests",
            dependencies: ["CompeServer", "CompeServices", "CompeStore", "CompeCore", "CompeContent", "CompeTestSupport", "CompeMail",
                           .product(name: "Crypto", package: "swift-crypto"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: testIndex
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["compe", "CompeStore", "CompeTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: testIndex
        ),
    ]
)

// `COMPE_PACKAGE=server-less` keeps only the modules without a server (and their tests):
// Scripts/test builds those under ThreadSanitizer, the only suites it runs there, without
// compiling the server, the client, the command line and their packages a fourth time. Every
// dependency stays declared, so the resolved versions are the same as the full package's.
if Context.environment["COMPE_PACKAGE"] == "server-less" {
    let serverLess: Set<String> = [
        "CDiscount", "CLibdeflate", "CLinux", "CompeCore", "CompeWire", "CompeContent", "CompeSite",
        "CompeStore", "CompePostgres", "CompeServices", "CompeTestSupport",
        "CompeCoreTests", "CompeContentTests", "CompeSiteTests", "CompeStoreTests", "CompeServicesTests",
    ]
    package.targets.removeAll { !serverLess.contains($0.name) }
    package.products.removeAll()
}
