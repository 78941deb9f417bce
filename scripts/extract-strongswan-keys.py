#!/usr/bin/env python3
"""Pull the IKEv1 key material strongSwan logs at level 4 for one IKE SA out of charon.log.

Used to make test fixtures from real captures (Tests/IKEDumpTests/Captures): the JSON has the values
strongSwan computed (DH secret, SKEYID*, Ka, IVs, HASH_I/R, Quick Mode keys), the key table line is what
`ikedump --keys` reads.

    extract-strongswan-keys.py charon.log 'psk-aes128|1' ICOOKIE RCOOKIE aes > keys.json
"""
import json
import re
import sys

LABELS = {
    "shared Diffie Hellman secret": "gxy",
    "SKEYID": "skeyid", "SKEYID_d": "skeyidD", "SKEYID_a": "skeyidA", "SKEYID_e": "skeyidE",
    "encryption key Ka": "encryptionKey", "initial IV": "initialIV",
    "HASH_I": "hashI", "HASH_R": "hashR",
    "DH secret": "quickModeGxy",
    "encryption initiator key": "quickModeEncryptionInitiatorKey",
    "encryption responder key": "quickModeEncryptionResponderKey",
    "integrity initiator key": "quickModeIntegrityInitiatorKey",
    "integrity responder key": "quickModeIntegrityResponderKey",
}


def main():
    log, tag, icookie, rcookie, algorithm = sys.argv[1:6]
    header = re.compile(r"<" + re.escape(tag) + r"> (.+?) => (\d+) bytes")
    dump = re.compile(r"<" + re.escape(tag) + r">\s+\d+: ((?:[0-9A-F]{2} ){1,16})")
    found = {}
    current, remaining, data = None, 0, []
    for line in open(log, encoding="utf-8", errors="replace"):
        if current is not None and remaining > 0:
            match = dump.search(line)
            if match:
                chunk = match.group(1).split()
                data += chunk
                remaining -= len(chunk)
                if remaining <= 0:
                    found.setdefault(current, "".join(data).lower())
                    current = None
                continue
        match = header.search(line)
        if match and match.group(1).strip() in LABELS:
            current, remaining, data = LABELS[match.group(1).strip()], int(match.group(2)), []
    found["initiatorCookie"], found["responderCookie"], found["algorithm"] = icookie, rcookie, algorithm
    json.dump(found, sys.stdout, indent=2, sort_keys=True)
    print()
    print(f"{icookie} {rcookie} {algorithm} {found['encryptionKey']}", file=sys.stderr)


if __name__ == "__main__":
    main()
