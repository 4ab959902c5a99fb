// swift-tools-version: 6.2
//
// Bulkhead: a safe mass-mail engine. One package, layered modules; each module imports only
// the ones above it in this list (see ARCHITECTURE.md):
//   BulkheadMail → BulkheadPolicy → BulkheadStore → BulkheadSMTP → BulkheadEngine → BulkheadWeb → bulkhead
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Bulkhead",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bulkhead", targets: ["bulkhead"]),
        .library(name: "BulkheadMail", targets: ["BulkheadMail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .target(
            name: "BulkheadMail",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(name: "BulkheadPolicy", dependencies: ["BulkheadMail"], swiftSettings: strict),
        .target(name: "BulkheadStore", dependencies: ["BulkheadMail", "BulkheadPolicy"], swiftSettings: strict),
        .target(name: "BulkheadSMTP", dependencies: ["BulkheadMail", "BulkheadPolicy", "BulkheadStore"], swiftSettings: strict),
        .target(
            name: "BulkheadEngine",
            dependencies: ["BulkheadMail", "BulkheadPolicy", "BulkheadStore", "BulkheadSMTP"],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadWeb",
            dependencies: ["BulkheadMail", "BulkheadPolicy", "BulkheadStore", "BulkheadSMTP", "BulkheadEngine"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "bulkhead",
            dependencies: [
                "BulkheadMail", "BulkheadPolicy", "BulkheadEngine", "BulkheadWeb",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadMailTests",
            dependencies: [
                "BulkheadMail",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
        .testTarget(name: "BulkheadPolicyTests", dependencies: ["BulkheadPolicy"], swiftSettings: strict),
    ]
)
