// swift-tools-version: 6.1
// Ganglion — conductance-based neuron and CPG modelling.
import PackageDescription

let package = Package(
    name: "Ganglion",
    products: [
        .library(name: "Ganglion", targets: ["Ganglion"]),
        .executable(name: "ganglion", targets: ["ganglion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // Formulas in channel files (GanglionIO only); without its CasePaths trait, which needs swift-syntax.
        .package(url: "https://github.com/pointfreeco/swift-parsing", from: "0.15.2", traits: []),
        // The live explorer's HTTP and WebSocket server (GanglionExplore only).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C boundary: SUNDIALS CVODE (Debian libsundials-dev). Only GanglionCVODE imports it.
        .systemLibrary(name: "CSundials", path: "Sources/CSundials"),
        // C boundary: the HDF5 library (Debian libhdf5-dev, serial) for NWB export. Only GanglionNWB imports it.
        .systemLibrary(name: "CHDF5", path: "Sources/CHDF5"),
        // C-free domain core: channels, cells, state layout, problem/algorithm/solution,
        // fixed-step integrators, firing analysis.
        .target(name: "GanglionCore"),
        // The one module that owns every CVODE pointer.
        .target(name: "GanglionCVODE", dependencies: ["GanglionCore", "CSundials"]),
        // Model library: neuron kinds, named conductance sets, model descriptions.
        .target(name: "GanglionModels", dependencies: ["GanglionCore"]),
        // The version and the git commit of this build (the commit read from .git by the GanglionCommit plugin).
        .target(name: "GanglionBuildInfo", plugins: ["GanglionCommit"]),
        .executableTarget(name: "GanglionCommitReader"),
        .plugin(name: "GanglionCommit", capability: .buildTool(), dependencies: ["GanglionCommitReader"]),
        // I/O: model files, CSV traces, JSON summaries, provenance.
        .target(name: "GanglionIO", dependencies: [
            "GanglionCore", "GanglionModels", "GanglionBuildInfo", .product(name: "Parsing", package: "swift-parsing"),
        ]),
        // NWB 2 export of traces (HDF5); owns every HDF5 identifier.
        .target(name: "GanglionNWB", dependencies: ["GanglionIO", "CHDF5"]),
        // Umbrella: re-exports the above and adds the `simulate` entry point.
        .target(name: "Ganglion", dependencies: ["GanglionCore", "GanglionCVODE", "GanglionModels", "GanglionIO", "GanglionNWB"]),
        // The live explorer (`ganglion explore`): a local web page over HTTP and a WebSocket; the only
        // module that imports Hummingbird.
        .target(name: "GanglionExplore", dependencies: [
            "Ganglion", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // The command-line tool.
        .executableTarget(name: "ganglion", dependencies: [
            "Ganglion", "GanglionExplore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Scripting Ganglion in Swift (no files): examples/swift-api/main.swift.
        .executableTarget(name: "ganglion-swift-api-example", dependencies: ["Ganglion"], path: "examples/swift-api"),
        .testTarget(name: "GanglionTests", dependencies: ["Ganglion"]),
        .testTarget(name: "GanglionExploreTests", dependencies: ["GanglionExplore"]),
    ],
    swiftLanguageModes: [.v6]
)
