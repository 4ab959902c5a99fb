// swift-tools-version: 6.2
//
// libFuzzer targets for Bulkhead's parsers of hostile input. A separate package so that the main
// package's build and test command never see them. Build and run with fuzz/run.sh (see README.md).
import PackageDescription

let package = Package(
    name: "BulkheadFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Bulkhead", path: ".."),
        // already dependencies of the main package (same versions): ByteBuffer, a TLS configuration value
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // declares libFuzzer's LLVMFuzzerRunDriver for the targets' main.swift
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzAddress", dependencies: ["FuzzDriver", .product(name: "BulkheadMail", package: "Bulkhead")]),
        .executableTarget(name: "FuzzMIME", dependencies: ["FuzzDriver", .product(name: "BulkheadMail", package: "Bulkhead")]),
        .executableTarget(name: "FuzzReport", dependencies: ["FuzzDriver", .product(name: "BulkheadMail", package: "Bulkhead")]),
        .executableTarget(
            name: "FuzzSMTPReply",
            dependencies: ["FuzzDriver", .product(name: "BulkheadSMTP", package: "Bulkhead"), .product(name: "NIOCore", package: "swift-nio")]
        ),
        .executableTarget(
            name: "FuzzSMTPServer",
            dependencies: [
                "FuzzDriver", .product(name: "BulkheadSMTP", package: "Bulkhead"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(name: "FuzzCSV", dependencies: ["FuzzDriver", .product(name: "BulkheadEngine", package: "Bulkhead")]),
    ]
)
