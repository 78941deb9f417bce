import IPsecTypes
import ISAKMP

/// What `ikedump` prints and how.
public struct DumpOptions: Sendable {
    /// One JSON object per message instead of indented text.
    public var json: Bool
    public var keys: KeyTable
    public init(json: Bool = false, keys: KeyTable = KeyTable()) {
        self.json = json
        self.keys = keys
    }
}

/// Counts of one dump, for the closing line and for tests.
public struct DumpSummary: Equatable, Sendable {
    public var frames = 0
    public var messages = 0
    /// Messages (or frames) the decoder rejected.
    public var malformed = 0
    public var encrypted = 0
    public var decrypted = 0
    /// Set when the capture file itself was damaged; frames before the damage were dumped.
    public var captureError: String?
}

/// Reads a capture and reports each ISAKMP message: decoded header, payload chain and, with keys,
/// the decrypted payloads. A malformed message is reported with the decoder's error and the dump goes on.
public struct Dumper {
    public let options: DumpOptions
    private var tracker: DecryptionTracker

    public init(options: DumpOptions) {
        self.options = options
        tracker = DecryptionTracker(keys: options.keys)
    }

    /// Dumps a capture file's bytes, handing each report (a line of JSON or a text block) to `emit`.
    public mutating func dump(capture bytes: [UInt8], emit: (String) -> Void) -> DumpSummary {
        let capture = CaptureFile(bytes: bytes)
        var summary = DumpSummary()
        summary.frames = capture.frames.count
        let start = capture.frames.first?.timestamp ?? 0
        for frame in capture.frames {
            switch FrameDissector.dissect(frame) {
            case .other:
                continue
            case .malformed(let reason):
                summary.malformed += 1
                emit(render(.object([("frame", .number(Int64(frame.number))), ("error", .string(reason))])))
            case .ike(let datagram):
                summary.messages += 1
                let report = describe(datagram, relativeTime: datagram.timestamp - start, summary: &summary)
                emit(render(report))
            }
        }
        if let error = capture.error {
            summary.captureError = error.reason
            emit(render(.object([("captureError", .string(error.reason))])))
        }
        return summary
    }

    private func render(_ field: Field) -> String {
        if options.json { return field.json }
        var title = ""
        if case .number(let frame)? = field["frame"] { title += "frame \(frame)" }
        if case .string(let time)? = field["time"] { title += "  \(time)s" }
        if case .string(let source)? = field["source"], case .string(let destination)? = field["destination"] {
            title += "  \(source) -> \(destination)"
        }
        if case .string(let exchange)? = field["header"]?["exchange"] { title += "  \(exchange)" }
        // The title already says where and when; the body starts at the header.
        guard case .object(let pairs) = field else { return field.text() }
        let body = Field.object(pairs.filter { !["frame", "time", "source", "destination"].contains($0.0) }).text(indent: 1)
        return title.isEmpty ? body : title + "\n" + body
    }

    private mutating func describe(_ datagram: IKEDatagram, relativeTime: Double, summary: inout DumpSummary) -> Field {
        var fields: [(String, Field)] = [
            ("frame", .number(Int64(datagram.frame))),
            ("time", .string(formatSeconds(relativeTime))),
            ("source", .string(datagram.source.description)),
            ("destination", .string(datagram.destination.description)),
        ]
        if datagram.hadNonESPMarker { fields.append(("nonESPMarker", .bool(true))) }
        let message: ISAKMPMessage
        do {
            message = try ISAKMPMessage.decode(datagram.payload)
        } catch {
            summary.malformed += 1
            var reader = ByteReader(datagram.payload)
            if let header = try? ISAKMPHeader.decode(&reader) { fields.append(("header", MessageDescription.header(header))) }
            fields.append(("error", .string(error.description)))
            return .object(fields)
        }
        fields.append(("header", MessageDescription.header(message.header)))
        switch message.body {
        case .payloads(let payloads):
            tracker.observe(message, from: datagram.source)
            fields.append(("payloads", MessageDescription.payloads(payloads)))
        case .encrypted(let ciphertext):
            summary.encrypted += 1
            switch tracker.decrypt(message, from: datagram.source) {
            case .decrypted(let decoded):
                summary.decrypted += 1
                fields.append(("decrypted", .bool(true)))
                fields.append(("payloads", MessageDescription.payloads(decoded.payloads)))
                fields.append(("padding", .number(Int64(decoded.padding.count))))
            case .unavailable(let reason):
                fields.append(("encrypted", .object([("length", .number(Int64(ciphertext.count))), ("notDecrypted", .string(reason))])))
            case .failed(let reason):
                summary.malformed += 1
                fields.append(("encrypted", .object([("length", .number(Int64(ciphertext.count)))])))
                fields.append(("error", .string(reason)))
            }
        }
        return .object(fields)
    }
}

/// Seconds with microsecond precision, without Foundation's formatters.
func formatSeconds(_ seconds: Double) -> String {
    let micro = Int64((seconds * 1_000_000).rounded())
    let sign = micro < 0 ? "-" : ""
    let magnitude = abs(micro)
    let fraction = String(magnitude % 1_000_000)
    return "\(sign)\(magnitude / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
}
