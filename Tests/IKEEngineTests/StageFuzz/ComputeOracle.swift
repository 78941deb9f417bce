import IKECrypto
import IKEEngine
import IPsecTypes

/// Answers an engine's compute jobs deterministically: the n-th key it asks for in a group is always
/// the same pre-generated key, and an agreement is computed once and remembered. A replayed engine
/// therefore derives exactly the keys of the reference run, and a replay costs no modular
/// exponentiation unless the input changed the peer's public value.
final class ComputeOracle {
    /// Keys per group, generated on first use and shared by every replay of one node.
    final class KeyPool {
        private var keys: [DHGroup: [DHPrivateKey]] = [:]
        private var secrets: [[UInt8]: SecretBytes] = [:]

        func key(_ group: DHGroup, index: Int) throws(CryptoError) -> DHPrivateKey {
            var list = keys[group] ?? []
            while list.count <= index { list.append(try DHPrivateKey.generate(group)) }
            keys[group] = list
            return list[index]
        }

        func secret(_ key: DHPrivateKey, peer: [UInt8]) throws(CryptoError) -> SecretBytes {
            let memo = key.publicValue + [0xFF] + peer
            if let known = secrets[memo] { return known }
            let secret = try key.sharedSecret(withPeer: peer)
            secrets[memo] = secret
            return secret
        }
    }

    let pool: KeyPool
    private var used: [DHGroup: Int] = [:]

    init(pool: KeyPool) { self.pool = pool }

    func run(_ job: ComputeJob) -> ComputeResult {
        do {
            switch job {
            case .generateKey(let group):
                return .key(try nextKey(group))
            case .agree(let key, let peer):
                return .keyAndSecret(key, try pool.secret(key, peer: peer))
            case .generateAndAgree(let group, let peer):
                let key = try nextKey(group)
                return .keyAndSecret(key, try pool.secret(key, peer: peer))
            case .authenticate:
                // PKCS#1 v1.5 signatures are deterministic: the job itself is the oracle.
                return job.run()
            }
        } catch {
            return .failed(error)
        }
    }

    private func nextKey(_ group: DHGroup) throws(CryptoError) -> DHPrivateKey {
        let index = used[group, default: 0]
        used[group] = index + 1
        return try pool.key(group, index: index)
    }
}
