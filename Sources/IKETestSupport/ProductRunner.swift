import Foundation

/// Runs one of the package's built programs (found next to the test bundle) and captures its output.
public enum ProductRunner {
    public struct Result: Sendable {
        public var status: Int32
        public var standardOutput: String
        public var standardError: String
        /// Whether the program was killed by a signal (then `status` is the signal's number).
        public var killedBySignal = false

        public init(status: Int32, standardOutput: String, standardError: String, killedBySignal: Bool = false) {
            self.status = status
            self.standardOutput = standardOutput
            self.standardError = standardError
            self.killedBySignal = killedBySignal
        }
    }

    public struct NotBuilt: Error, CustomStringConvertible {
        public let product: String
        public init(product: String) { self.product = product }
        public var description: String { "\(product) is not built next to the tests" }
    }

    /// The path of a built product, searching the test bundle's folder and its parents.
    public static func path(of product: String) -> String? {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent(product)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            folder.deleteLastPathComponent()
        }
        return nil
    }

    public static func run(_ product: String, _ arguments: [String], input: String? = nil, directory: String? = nil) throws -> Result {
        guard let path = path(of: product) else { throw NotBuilt(product: product) }
        return try runExecutable(path, arguments, input: input, directory: directory)
    }

    /// Runs any program (a system tool wrapping a product, such as setpriv) the same way.
    public static func runExecutable(_ path: String, _ arguments: [String], input: String? = nil, directory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let standardInput = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : standardInput
        try process.run()
        if let input {
            standardInput.fileHandleForWriting.write(Data(input.utf8))
            try? standardInput.fileHandleForWriting.close()
        }
        // Read both pipes before waiting, so a chatty program cannot block on a full pipe.
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, standardOutput: String(decoding: out, as: UTF8.self), standardError: String(decoding: err, as: UTF8.self),
                      killedBySignal: process.terminationReason == .uncaughtSignal)
    }
}
