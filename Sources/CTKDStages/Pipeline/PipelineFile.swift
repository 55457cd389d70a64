import CTKDCore
import Foundation
import Yams

/// A pipeline file, read and checked: every problem that can be found without doing any work
/// (syntax, unknown keys, wrong types and ranges, names that refer to nothing, missing files) is
/// reported with the file, line and key before any step runs.
///
///     let pipeline = try PipelineFile.load("pipelines/demo.yaml")
///     let plan = try PipelinePlanner(pipeline).plan()
public struct PipelineFile: Sendable {
    /// The path as given (errors name it so).
    public let path: String
    /// The absolute directory of the file; relative paths in it start here.
    public let directory: String
    public let spec: PipelineSpec
    let home: String?

    /// Reads, decodes and validates a pipeline file.
    ///
    /// - Parameter environment: the values of `${NAME}` in the file (the process's by default).
    /// - Throws: `PipelineValidationError` listing every problem found.
    public static func load(_ path: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineFile {
        let text: String
        do {
            text = try FileIO.readText(path)
        } catch let error as CTKDError {
            throw PipelineValidationError([error])
        }
        return try parse(text, path: path, environment: environment)
    }

    /// Decodes and validates pipeline text that was read from `path`.
    public static func parse(_ text: String, path: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PipelineFile {
        let node: Node
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw PipelineValidationError([CTKDError("the file is empty", file: path)])
            }
            node = root
        } catch let error as YamlError {
            throw PipelineValidationError([describe(error, file: path)])
        }
        let context = SchemaDecodingContext(file: path, environment: environment)
        let spec: PipelineSpec
        do {
            spec = try SchemaDecoder(node: node, path: [], context: context).decode(PipelineSpec.self)
        } catch let error as CTKDError {
            throw PipelineValidationError([error])
        } catch let error as DecodingError {
            throw PipelineValidationError([JSONLines.describe(error).located(file: path)])
        }
        let file = PipelineFile(path: path, directory: absoluteDirectory(of: path), spec: spec, home: environment["HOME"])
        let errors = PipelineValidator(file: file).problems()
        guard errors.isEmpty else { throw PipelineValidationError(errors) }
        return file
    }

    /// The absolute form of a path written in the file.
    public func resolve(_ path: PathValue) -> String { path.resolved(relativeTo: directory, home: home) }

    /// The work directory.
    public var outputDirectory: String { resolve(spec.output) }

    /// A path given on the command line, made absolute against the current directory.
    public static func absolutePath(_ path: String) -> String {
        PathValue(path, at: SourceLocation(file: "", line: nil, keyPath: ""))
            .resolved(relativeTo: FileManager.default.currentDirectoryPath, home: nil)
    }

    static func absoluteDirectory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return absolutePath(".") }
        return absolutePath(slash == path.startIndex ? "/" : String(path[..<slash]))
    }

    static func describe(_ error: YamlError, file: String) -> CTKDError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return CTKDError("invalid YAML: \(problem)", file: file, line: mark.line)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return CTKDError("duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", "))",
                             file: file, line: context.mark.line)
        case .reader(let problem, _, _, _):
            return CTKDError("cannot read YAML: \(problem)", file: file)
        default:
            return CTKDError("invalid YAML: \(error)", file: file)
        }
    }
}

/// Every problem found in a pipeline file, each naming the file, line and key.
public struct PipelineValidationError: Error, CustomStringConvertible, Sendable {
    public var errors: [CTKDError]

    public init(_ errors: [CTKDError]) { self.errors = errors }

    /// One line per problem, as the CLI prints them (each prefixed with `error: `).
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
