/* Small C helpers for the IKE daemon: the CMSG and signal parts Swift cannot express directly. */
#ifndef IKE_SUPPORT_H
#define IKE_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* An address as family (4 or 6), 16 bytes (IPv4 in the first 4) and a port. */
typedef struct {
    int family;
    uint8_t bytes[16];
    uint16_t port;
} ike_address;

/* A UDP socket bound to `local` (all-zero bytes = wildcard) that reports each datagram's destination
 * address. Returns the fd or -errno. `bypass_ipsec` adds per-socket policies that exempt the socket's
 * own traffic from IPsec (what Solaris does for UDP 500); failures of that are reported via `*bypass_error`. */
int ike_udp_open(const ike_address *local, int bypass_ipsec, int *bypass_error);

/* Makes a UDP socket the kernel's ESP-in-UDP endpoint (RFC 3948; UDP_ENCAP_ESPINUDP): datagrams
 * whose first four bytes are not zero are decapsulated as ESP by the kernel, keepalives (one 0xFF
 * byte) are dropped, and IKE behind the non-ESP marker reaches the socket. 0 or -errno. */
int ike_udp_encapsulate_esp(int fd);

/* Sends `message` ("READY=1", "RELOADING=1", "STOPPING=1") to the service manager's notification
 * socket at `path` ($NOTIFY_SOCKET; a leading '@' names an abstract socket). 0 or -errno. */
int ike_notify_service_manager(const char *path, const char *message);

/* The port a socket is bound to (after binding to port 0). */
int ike_udp_local_port(int fd);

/* One datagram of a batch: its length (-EMSGSIZE when it did not fit), sender and local address. */
typedef struct {
    ssize_t length;
    ike_address from;
    ike_address to;
} ike_datagram_info;

/* Receives up to `count` waiting datagrams in one system call (recvmmsg) into `count` buffers of
 * `size` bytes laid end to end, without waiting. Returns how many arrived (0 when none) or -errno;
 * fewer than `count` means the socket's queue is empty. */
int ike_udp_receive_many(int fd, uint8_t *buffers, size_t size, int count, ike_datagram_info *info);

/* Sends a datagram to `to`, from `from`'s address when it is not the wildcard. Returns the length or -errno. */
ssize_t ike_udp_send(int fd, const uint8_t *buffer, size_t length, const ike_address *to, const ike_address *from);

/* Routes SIGHUP, SIGTERM and SIGINT to one byte each (the signal number) on `fd`; other handling stays. */
int ike_signals_to_pipe(int fd);

/* The uid of the process at the other end of a Unix socket, or -1. */
long ike_peer_uid(int fd);

/* Whether the process at the other end of a Unix socket is in the group (primary or supplementary). */
int ike_peer_in_group(int fd, unsigned int group);

/* The id of a group by name, or -1. */
int ike_group_id(const char *name);

/* accept4 with close-on-exec and non-blocking (the loop serves clients as they are ready); returns the fd or -errno. */
int ike_accept(int fd);

/* A close-on-exec, non-blocking pipe; returns 0 or -errno. */
int ike_pipe(int fds[2]);



/* ---- netlink (the XFRM kernel port) ---- */

/* A netlink socket of `protocol`, close-on-exec, bound to the multicast groups in `groups` (a bit mask
 * of 1 << (group - 1)); non-blocking when asked. Returns the fd or -errno. */
int ike_netlink_open(int protocol, unsigned int groups, int nonblocking);

/* Sends one request to the kernel. Returns 0 or -errno. */
int ike_netlink_send(int fd, const void *bytes, size_t length);

/* Receives one datagram (one or more netlink messages); waits up to `timeout_ms` (-1: forever, 0: not
 * at all). Returns the length, 0 on time-out, or -errno (-ENOBUFS: the kernel dropped notifications). */
ssize_t ike_netlink_receive(int fd, void *buffer, size_t length, int timeout_ms);

/* ike_netlink_open inside the network namespace /var/run/netns/NAME (ip netns add NAME); the calling
 * threads stay in their own namespace. */
int ike_netlink_open_in_netns(const char *name, int protocol, unsigned int groups, int nonblocking);

/* Sends bytes with a descriptor attached (SCM_RIGHTS; fd < 0: none), MSG_NOSIGNAL. -errno on failure. */
ssize_t ike_send_with_fd(int sock, const void *bytes, size_t length, int fd);

/* Receives bytes and at most one descriptor (*fd: -1 none, -2 the kernel truncated the descriptors). */
ssize_t ike_recv_with_fd(int sock, void *bytes, size_t length, int *fd);

/* send() with MSG_NOSIGNAL; -errno on failure. */
ssize_t ike_send_nosignal(int sock, const void *bytes, size_t length);

#endif
