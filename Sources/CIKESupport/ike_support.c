#define _GNU_SOURCE
#include "ike_support.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/xfrm.h>

static int to_sockaddr(const ike_address *address, struct sockaddr_storage *storage, socklen_t *length) {
    memset(storage, 0, sizeof(*storage));
    if (address->family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)storage;
        in->sin_family = AF_INET;
        in->sin_port = htons(address->port);
        memcpy(&in->sin_addr, address->bytes, 4);
        *length = sizeof(*in);
        return 0;
    }
    if (address->family == 6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)storage;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(address->port);
        memcpy(&in6->sin6_addr, address->bytes, 16);
        *length = sizeof(*in6);
        return 0;
    }
    return -EAFNOSUPPORT;
}

static void from_sockaddr(const struct sockaddr_storage *storage, ike_address *address) {
    memset(address, 0, sizeof(*address));
    if (storage->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)storage;
        address->family = 4;
        address->port = ntohs(in->sin_port);
        memcpy(address->bytes, &in->sin_addr, 4);
    } else if (storage->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)storage;
        address->family = 6;
        address->port = ntohs(in6->sin6_port);
        memcpy(address->bytes, &in6->sin6_addr, 16);
    }
}

static int bypass(int fd, int family) {
    /* Two per-socket policies, in and out, with action allow: the kernel then never applies IPsec
     * policy to this socket's packets. The selector's family must be set or the kernel says EINVAL. */
    struct xfrm_userpolicy_info policy;
    int level = family == 4 ? IPPROTO_IP : IPPROTO_IPV6;
    int name = family == 4 ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;
    for (int direction = 0; direction < 2; direction++) {
        memset(&policy, 0, sizeof(policy));
        policy.action = XFRM_POLICY_ALLOW;
        policy.sel.family = family == 4 ? AF_INET : AF_INET6;
        policy.dir = direction == 0 ? XFRM_POLICY_IN : XFRM_POLICY_OUT;
        policy.lft.soft_byte_limit = XFRM_INF;
        policy.lft.hard_byte_limit = XFRM_INF;
        policy.lft.soft_packet_limit = XFRM_INF;
        policy.lft.hard_packet_limit = XFRM_INF;
        if (setsockopt(fd, level, name, &policy, sizeof(policy)) < 0) return -errno;
    }
    return 0;
}

int ike_udp_open(const ike_address *local, int bypass_ipsec, int *bypass_error) {
    struct sockaddr_storage storage;
    socklen_t length;
    int rc = to_sockaddr(local, &storage, &length);
    if (rc < 0) return rc;
    int fd = socket(local->family == 4 ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int on = 1;
    /* No SO_REUSEADDR: a port another IKE daemon holds must fail here, not be shared with it. */
    if (local->family == 4) {
        setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
    } else {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on));
    }
    if (bind(fd, (struct sockaddr *)&storage, length) < 0) {
        int error = -errno;
        close(fd);
        return error;
    }
    if (bypass_error) *bypass_error = bypass_ipsec ? bypass(fd, local->family) : 0;
    return fd;
}

int ike_udp_encapsulate_esp(int fd) {
#ifndef UDP_ENCAP
#define UDP_ENCAP 100
#endif
#ifndef UDP_ENCAP_ESPINUDP
#define UDP_ENCAP_ESPINUDP 2
#endif
    int type = UDP_ENCAP_ESPINUDP;
    return setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0 ? -errno : 0;
}

int ike_notify_service_manager(const char *path, const char *message) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t length = strlen(path);
    if (length == 0 || length >= sizeof(address.sun_path)) return -EINVAL;
    memcpy(address.sun_path, path, length);
    if (path[0] == '@') address.sun_path[0] = 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    ssize_t sent = sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&address,
                          (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length));
    int error = sent < 0 ? -errno : 0;
    close(fd);
    return error;
}

int ike_udp_local_port(int fd) {
    struct sockaddr_storage storage;
    socklen_t length = sizeof(storage);
    if (getsockname(fd, (struct sockaddr *)&storage, &length) < 0) return -errno;
    ike_address address;
    from_sockaddr(&storage, &address);
    return address.port;
}

/* The local address a datagram was sent to, from its IP_PKTINFO/IPV6_PKTINFO control message. */
static void read_destination(struct msghdr *message, ike_address *to) {
    memset(to, 0, sizeof(*to));
    for (struct cmsghdr *c = CMSG_FIRSTHDR(message); c != NULL; c = CMSG_NXTHDR(message, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof(info));
            to->family = 4;
            memcpy(to->bytes, &info.ipi_addr, 4);
        } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo info;
            memcpy(&info, CMSG_DATA(c), sizeof(info));
            to->family = 6;
            memcpy(to->bytes, &info.ipi6_addr, 16);
        }
    }
}

#define IKE_BATCH_MAX 64

int ike_udp_receive_many(int fd, uint8_t *buffers, size_t size, int count, ike_datagram_info *info) {
    if (count <= 0) return 0;
    if (count > IKE_BATCH_MAX) count = IKE_BATCH_MAX;
    struct mmsghdr messages[IKE_BATCH_MAX];
    struct iovec iovs[IKE_BATCH_MAX];
    struct sockaddr_storage sources[IKE_BATCH_MAX];
    char controls[IKE_BATCH_MAX][128];
    memset(messages, 0, sizeof(struct mmsghdr) * (size_t)count);
    for (int i = 0; i < count; i++) {
        iovs[i].iov_base = buffers + (size_t)i * size;
        iovs[i].iov_len = size;
        messages[i].msg_hdr.msg_name = &sources[i];
        messages[i].msg_hdr.msg_namelen = sizeof(sources[i]);
        messages[i].msg_hdr.msg_iov = &iovs[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_control = controls[i];
        messages[i].msg_hdr.msg_controllen = sizeof(controls[i]);
    }
    int received = recvmmsg(fd, messages, (unsigned int)count, MSG_DONTWAIT, NULL);
    if (received < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    for (int i = 0; i < received; i++) {
        info[i].length = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) ? -EMSGSIZE : (ssize_t)messages[i].msg_len;
        from_sockaddr(&sources[i], &info[i].from);
        read_destination(&messages[i].msg_hdr, &info[i].to);
    }
    return received;
}

ssize_t ike_udp_send(int fd, const uint8_t *buffer, size_t length, const ike_address *to, const ike_address *from) {
    struct sockaddr_storage destination;
    socklen_t destination_length;
    int rc = to_sockaddr(to, &destination, &destination_length);
    if (rc < 0) return rc;
    char control[256];
    memset(control, 0, sizeof(control));
    struct iovec iov = { .iov_base = (void *)buffer, .iov_len = length };
    struct msghdr message = { .msg_name = &destination, .msg_namelen = destination_length, .msg_iov = &iov, .msg_iovlen = 1 };
    int wildcard = 1;
    for (int i = 0; from && i < 16; i++) if (from->bytes[i]) wildcard = 0;
    if (from && !wildcard) {
        message.msg_control = control;
        if (from->family == 4) {
            message.msg_controllen = CMSG_SPACE(sizeof(struct in_pktinfo));
            struct cmsghdr *c = CMSG_FIRSTHDR(&message);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
            struct in_pktinfo info;
            memset(&info, 0, sizeof(info));
            memcpy(&info.ipi_spec_dst, from->bytes, 4);
            memcpy(CMSG_DATA(c), &info, sizeof(info));
        } else {
            message.msg_controllen = CMSG_SPACE(sizeof(struct in6_pktinfo));
            struct cmsghdr *c = CMSG_FIRSTHDR(&message);
            c->cmsg_level = IPPROTO_IPV6;
            c->cmsg_type = IPV6_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
            struct in6_pktinfo info;
            memset(&info, 0, sizeof(info));
            memcpy(&info.ipi6_addr, from->bytes, 16);
            memcpy(CMSG_DATA(c), &info, sizeof(info));
        }
    }
    ssize_t sent = sendmsg(fd, &message, 0);
    return sent < 0 ? -errno : sent;
}

static int signal_fd = -1;

static void forward_signal(int number) {
    int saved = errno;
    unsigned char byte = (unsigned char)number;
    if (signal_fd >= 0) {
        ssize_t ignored = write(signal_fd, &byte, 1);
        (void)ignored;
    }
    errno = saved;
}

int ike_signals_to_pipe(int fd) {
    signal_fd = fd;
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = forward_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    if (sigaction(SIGHUP, &action, NULL) < 0 || sigaction(SIGTERM, &action, NULL) < 0 || sigaction(SIGINT, &action, NULL) < 0) return -errno;
    signal(SIGPIPE, SIG_IGN);
    /* A parent may have started us with these blocked (test runners do); a daemon must hear them. */
    sigset_t wanted;
    sigemptyset(&wanted);
    sigaddset(&wanted, SIGHUP);
    sigaddset(&wanted, SIGTERM);
    sigaddset(&wanted, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &wanted, NULL);
    return 0;
}

long ike_peer_uid(int fd) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) return -1;
    return (long)credentials.uid;
}

int ike_peer_in_group(int fd, unsigned int group) {
    struct ucred credentials;
    socklen_t length = sizeof(credentials);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) < 0) return 0;
    if (credentials.gid == group) return 1;
    /* Supplementary groups come from the user database, as login would have set them. */
    struct passwd entry, *found = NULL;
    char buffer[4096];
    if (getpwuid_r(credentials.uid, &entry, buffer, sizeof(buffer), &found) != 0 || found == NULL) return 0;
    gid_t groups[256];
    int count = 256;
    if (getgrouplist(found->pw_name, found->pw_gid, groups, &count) < 0) return 0;
    for (int index = 0; index < count; index++) {
        if (groups[index] == group) return 1;
    }
    return 0;
}

int ike_group_id(const char *name) {
    struct group entry, *found = NULL;
    char buffer[4096];
    if (getgrnam_r(name, &entry, buffer, sizeof(buffer), &found) != 0 || found == NULL) return -1;
    return (int)found->gr_gid;
}

int ike_accept(int fd) {
    int client = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    return client < 0 ? -errno : client;
}

int ike_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
}

/* --- descriptors over the control socket (SCM_RIGHTS) ------------------------------------------
 * ikeadm opens the files a command names with its own rights and passes the descriptor with the
 * request, as Solaris passes one through the door: the daemon never opens a path a client names. */

ssize_t ike_send_with_fd(int sock, const void *bytes, size_t length, int fd) {
    struct iovec io = { .iov_base = (void *)bytes, .iov_len = length };
    union { struct cmsghdr header; char space[CMSG_SPACE(sizeof(int))]; } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    if (fd >= 0) {
        memset(&control, 0, sizeof(control));
        message.msg_control = control.space;
        message.msg_controllen = sizeof(control.space);
        struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    /* MSG_NOSIGNAL: a daemon that closed the connection (busy) must not kill the client by SIGPIPE. */
    ssize_t sent = sendmsg(sock, &message, MSG_NOSIGNAL);
    return sent < 0 ? -errno : sent;
}

ssize_t ike_recv_with_fd(int sock, void *bytes, size_t length, int *fd) {
    struct iovec io = { .iov_base = bytes, .iov_len = length };
    union { struct cmsghdr header; char space[CMSG_SPACE(4 * sizeof(int))]; } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    message.msg_control = control.space;
    message.msg_controllen = sizeof(control.space);
    *fd = -1;
    ssize_t got = recvmsg(sock, &message, MSG_CMSG_CLOEXEC);
    if (got < 0) return -errno;
    /* One descriptor per request is kept; any others a client sent are closed at once. */
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(&message); cmsg != NULL; cmsg = CMSG_NXTHDR(&message, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
            int received;
            memcpy(&received, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            if (*fd < 0) *fd = received; else close(received);
        }
    }
    if (message.msg_flags & MSG_CTRUNC) {
        /* More descriptors than we make room for: the kernel dropped some; refuse the request's file. */
        if (*fd >= 0) close(*fd);
        *fd = -2;
    }
    return got;
}

ssize_t ike_send_nosignal(int sock, const void *bytes, size_t length) {
    ssize_t sent = send(sock, bytes, length, MSG_NOSIGNAL);
    return sent < 0 ? -errno : sent;
}
