import Foundation
@testable import IKEDump
import IKECrypto
import ISAKMP
import Testing

/// A real capture from the peer lab (strongSwan <-> Libreswan) with the keys strongSwan logged.
struct Fixture: Sendable, CustomTestStringConvertible {
    let name: String
    let captureFile: String

    static let preSharedKey = Array("lab-preshared-key-123".utf8)

    static let all: [Fixture] = [
        Fixture(name: "ss-ls-psk-aes128", captureFile: "ss-ls-psk-aes128.pcap"),
        Fixture(name: "ss-ls-rsa-aes128", captureFile: "ss-ls-rsa-aes128.pcapng"),
        Fixture(name: "ss-ls-psk-aggr", captureFile: "ss-ls-psk-aggr.pcap"),
        Fixture(name: "ls-ss-psk-aes256", captureFile: "ls-ss-psk-aes256.pcap"),
        Fixture(name: "ls-ss-psk-3des", captureFile: "ls-ss-psk-3des.pcap"),
        Fixture(name: "ss-ls-psk-nopfs-sll", captureFile: "ss-ls-psk-nopfs-sll.pcap"),
        Fixture(name: "ss-ls-psk-3des-sll2", captureFile: "ss-ls-psk-3des-sll2.pcap"),
    ]

    var testDescription: String { name }

    static func resource(_ file: String) -> URL? {
        Bundle.module.url(forResource: file, withExtension: nil, subdirectory: "Captures")
    }

    static func bytes(_ file: String) throws -> [UInt8] {
        guard let url = resource(file) else { throw CaptureError("fixture \(file) missing") }
        return Array(try Data(contentsOf: url))
    }

    func capture() throws -> [UInt8] { try Self.bytes(captureFile) }

    func keyTable() throws -> KeyTable {
        try KeyTable(text: String(decoding: try Self.bytes(name + ".keys"), as: UTF8.self), source: name + ".keys")
    }

    /// strongSwan's logged values (hex strings by name, see scripts/extract-strongswan-keys.py).
    func loggedKeys() throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: Data(try Self.bytes(name + ".keys.json")))
        return (object as? [String: String]) ?? [:]
    }

    /// One message of the capture with its payloads (decrypted where it was encrypted).
    struct Message {
        var datagram: IKEDatagram
        var message: ISAKMPMessage
        var payloads: [Payload]
        var wasEncrypted: Bool
    }

    /// Every IKE message, decrypted with the fixture's keys.
    func messages() throws -> [Message] {
        var tracker = DecryptionTracker(keys: try keyTable())
        var result: [Message] = []
        for frame in CaptureFile(bytes: try capture()).frames {
            guard case .ike(let datagram) = FrameDissector.dissect(frame) else { continue }
            let message = try ISAKMPMessage.decode(datagram.payload)
            switch message.body {
            case .payloads(let payloads):
                tracker.observe(message, from: datagram.source)
                result.append(Message(datagram: datagram, message: message, payloads: payloads, wasEncrypted: false))
            case .encrypted:
                guard case .decrypted(let decoded) = tracker.decrypt(message, from: datagram.source) else {
                    throw CaptureError("frame \(datagram.frame) did not decrypt")
                }
                result.append(Message(datagram: datagram, message: message, payloads: decoded.payloads, wasEncrypted: true))
            }
        }
        return result
    }
}

extension Array where Element == Payload {
    func first(_ type: PayloadType) -> Payload? { first { $0.type == type } }
}
