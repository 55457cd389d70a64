// swift-tools-version:6.0
// ctkd — cross-tokenizer knowledge distillation with an offline teacher.
//
// Layers, bottom to top (imports point down only):
//   CZstd COpenBLAS CSQLite      system libraries from Debian
//   CTKDCore                     errors, JSON lines, files, hashing, SQLite, progress, RNG, threads
//   CTKDTensor                   sgemm, SIMD kernels, parallel loops
//   CTKDTokenizers               tokenizer.json pipeline, BPE, trainer, byte offsets
//   CTKDModels                   GPT-2 / Llama forward+backward, AdamW, safetensors, generation
//   CTKDCache                    teacher logit cache: shard format, codecs, byte beam
//   CTKDLosses                   CE, KL, sampled KD, ULD, MultiLevelOT, BLD
//   CTKDMetrics                  SQuAD EM/F1, ROUGE, bootstrap
//   CTKDData                     dataset adapters, synthetic demo data
//   CTKDStages                   teach, distill, evaluate, pipeline, report
//   ctkd                         the command-line interface
import PackageDescription

// Every machine of the project's kind has AVX2/FMA/F16C; without these flags SIMD min/max,
// rounding, FMA and Float16 conversion become per-lane library calls (performance-notes.md).
// This is the one place the target CPU is chosen.
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
let cpuCFlags: [CSetting] = [.unsafeFlags(["-march=haswell"])]

let package = Package(
    name: "ctkd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ctkd", targets: ["ctkd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", pkgConfig: "libzstd",
                       providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),

        .target(name: "CTKDCore", dependencies: ["CSQLite"], swiftSettings: cpuFlags),
        .target(name: "CTKDTensor", dependencies: ["CTKDCore", "COpenBLAS"], swiftSettings: cpuFlags),
        .target(name: "CTKDTokenizers", dependencies: ["CTKDCore"], swiftSettings: cpuFlags),
        .target(name: "CTKDModels", dependencies: ["CTKDCore", "CTKDTensor"], swiftSettings: cpuFlags),
        .target(name: "CTKDCache", dependencies: ["CTKDCore", "CTKDTensor", "CTKDTokenizers", "CZstd"],
                swiftSettings: cpuFlags),
        .target(name: "CTKDLosses", dependencies: ["CTKDCore", "CTKDTensor"], swiftSettings: cpuFlags),
        .target(name: "CTKDMetrics", dependencies: ["CTKDCore"], swiftSettings: cpuFlags),
        .target(name: "CTKDData", dependencies: ["CTKDCore"], swiftSettings: cpuFlags),
        .target(name: "CTKDStages",
                dependencies: ["CTKDCore", "CTKDTensor", "CTKDTokenizers", "CTKDModels", "CTKDCache",
                               "CTKDLosses", "CTKDMetrics", "CTKDData",
                               .product(name: "Yams", package: "Yams")],
                swiftSettings: cpuFlags),
        .executableTarget(name: "ctkd",
                          dependencies: ["CTKDStages",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: cpuFlags),

        // Shared by the test targets: fixture paths, temporary directories, running the ctkd binary.
        .target(name: "CTKDTestSupport", dependencies: ["CTKDCore"], path: "Tests/CTKDTestSupport"),
        .testTarget(name: "CTKDCoreTests", dependencies: ["CTKDCore", "CTKDTestSupport"]),
        .testTarget(name: "CTKDTensorTests", dependencies: ["CTKDTensor", "CTKDTestSupport"]),
        .testTarget(name: "CTKDTokenizersTests", dependencies: ["CTKDTokenizers", "CTKDTestSupport"]),
        .testTarget(name: "CTKDModelsTests", dependencies: ["CTKDModels", "CTKDTestSupport"]),
        .testTarget(name: "CTKDCacheTests", dependencies: ["CTKDCache", "CTKDTestSupport"]),
        .testTarget(name: "CTKDLossesTests", dependencies: ["CTKDLosses", "CTKDTestSupport"]),
        .testTarget(name: "CTKDMetricsTests", dependencies: ["CTKDMetrics", "CTKDTestSupport"]),
        .testTarget(name: "CTKDDataTests", dependencies: ["CTKDData", "CTKDTestSupport"]),
        .testTarget(name: "CTKDStagesTests", dependencies: ["CTKDStages", "CTKDTestSupport"]),
        // End-to-end tests that run the built `ctkd` binary (exit codes, messages, kill -9 and resume).
        .testTarget(name: "ctkdCLITests", dependencies: ["ctkd", "CTKDTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
