/*
 * xfrm-sa-shim: LD_PRELOAD library for IKE peers (strongSwan, Libreswan) in the interop tests.
 *
 * The CI kernel has XFRM netlink but no ESP/AH/IPComp, so a peer's request to install an SA fails and
 * the peer aborts Quick Mode. This library answers SA requests (NEWSA, UPDSA, DELSA, GETSA, ALLOCSPI,
 * FLUSHSA) for ESP/AH/IPComp on NETLINK_XFRM sockets itself, as a kernel that accepted them would, and
 * passes everything else (policies, dumps, events) to the real kernel. Each answered SA is logged to
 * $XFRM_SHIM_LOG (one line: operation, SPI, protocol) so tests can read what the peer installed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 4096
#define QUEUE_BYTES 65536

struct fake_socket {
    int xfrm;                     /* a NETLINK_XFRM socket */
    unsigned char queue[QUEUE_BYTES];
    size_t length;                /* answers waiting to be read */
};

static struct fake_socket sockets[MAX_FD];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned int spi_counter;

/* The next definition of `name` (libc's), looked up once. */
#define REAL(name) static __typeof__(&name) real_##name; if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static void shim_log(const char *operation, uint32_t spi, int protocol, const char *extra) {
    const char *path = getenv("XFRM_SHIM_LOG");
    if (!path) return;
    FILE *file = fopen(path, "a");
    if (!file) return;
    fprintf(file, "%s spi=0x%08x proto=%d%s\n", operation, ntohl(spi), protocol, extra);
    fclose(file);
}

/* " encap=SPORT:DPORT" when an SA message carries XFRMA_ENCAP (ESP in UDP), else "". */
static void describe_encap(const struct nlmsghdr *message, size_t fixed, char *out, size_t size) {
    out[0] = 0;
    size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(fixed);
    while (offset + sizeof(struct rtattr) <= message->nlmsg_len) {
        const struct rtattr *attribute = (const struct rtattr *)((const char *)message + offset);
        if (attribute->rta_len < sizeof(struct rtattr) || offset + attribute->rta_len > message->nlmsg_len) return;
        if (attribute->rta_type == XFRMA_ENCAP && attribute->rta_len >= RTA_LENGTH(sizeof(struct xfrm_encap_tmpl))) {
            const struct xfrm_encap_tmpl *encap = RTA_DATA(attribute);
            snprintf(out, size, " encap=%u:%u", ntohs(encap->encap_sport), ntohs(encap->encap_dport));
            return;
        }
        offset += RTA_ALIGN(attribute->rta_len);
    }
}

static int is_xfrm(int fd) { return fd >= 0 && fd < MAX_FD && sockets[fd].xfrm; }

static int sa_protocol(int protocol) { return protocol == IPPROTO_ESP || protocol == IPPROTO_AH || protocol == IPPROTO_COMP; }

/* Appends an answer message to the socket's queue. */
static void enqueue(int fd, const struct nlmsghdr *request, uint16_t type, const void *payload, size_t payload_length) {
    struct fake_socket *s = &sockets[fd];
    size_t total = NLMSG_SPACE(payload_length);
    if (s->length + total > QUEUE_BYTES) return;
    struct nlmsghdr *answer = (struct nlmsghdr *)(s->queue + s->length);
    memset(answer, 0, total);
    answer->nlmsg_len = NLMSG_LENGTH(payload_length);
    answer->nlmsg_type = type;
    answer->nlmsg_seq = request->nlmsg_seq;
    answer->nlmsg_pid = request->nlmsg_pid;
    memcpy(NLMSG_DATA(answer), payload, payload_length);
    s->length += total;
}

static void acknowledge(int fd, const struct nlmsghdr *request, int error) {
    struct nlmsgerr answer;
    memset(&answer, 0, sizeof(answer));
    answer.error = -error;
    answer.msg = *request;
    enqueue(fd, request, NLMSG_ERROR, &answer, sizeof(answer));
}

/* Answers one message when it is an SA operation on ESP/AH/IPComp; returns 1 when answered. */
static int answer(int fd, const struct nlmsghdr *message) {
    const void *body = NLMSG_DATA(message);
    size_t body_length = message->nlmsg_len >= NLMSG_HDRLEN ? message->nlmsg_len - NLMSG_HDRLEN : 0;
    switch (message->nlmsg_type) {
    case XFRM_MSG_NEWSA:
    case XFRM_MSG_UPDSA: {
        if (body_length < sizeof(struct xfrm_usersa_info)) return 0;
        const struct xfrm_usersa_info *info = body;
        if (!sa_protocol(info->id.proto)) return 0;
        char encap[64];
        describe_encap(message, sizeof(*info), encap, sizeof(encap));
        shim_log(message->nlmsg_type == XFRM_MSG_NEWSA ? "add" : "update", info->id.spi, info->id.proto, encap);
        acknowledge(fd, message, 0);
        return 1;
    }
    case XFRM_MSG_DELSA:
    case XFRM_MSG_GETSA: {
        if (body_length < sizeof(struct xfrm_usersa_id)) return 0;
        const struct xfrm_usersa_id *id = body;
        if (!sa_protocol(id->proto)) return 0;
        if (message->nlmsg_type == XFRM_MSG_DELSA) {
            shim_log("delete", id->spi, id->proto, "");
            acknowledge(fd, message, 0);
        } else {
            /* An SA that exists and was never used: zero lifetime counters. */
            struct xfrm_usersa_info reply;
            memset(&reply, 0, sizeof(reply));
            reply.id.daddr = id->daddr;
            reply.id.spi = id->spi;
            reply.id.proto = id->proto;
            reply.family = id->family;
            reply.lft.soft_byte_limit = reply.lft.hard_byte_limit = XFRM_INF;
            reply.lft.soft_packet_limit = reply.lft.hard_packet_limit = XFRM_INF;
            enqueue(fd, message, XFRM_MSG_NEWSA, &reply, sizeof(reply));
        }
        return 1;
    }
    case XFRM_MSG_ALLOCSPI: {
        if (body_length < sizeof(struct xfrm_userspi_info)) return 0;
        const struct xfrm_userspi_info *request = body;
        if (!sa_protocol(request->info.id.proto)) return 0;
        struct xfrm_usersa_info reply = request->info;
        uint32_t low = request->min, high = request->max;
        uint32_t spi = low + (uint32_t)((spi_counter++ * 2654435761u + (uint32_t)time(NULL)) % (uint64_t)(high - low + 1));
        reply.id.spi = htonl(spi);
        shim_log("allocspi", reply.id.spi, reply.id.proto, "");
        enqueue(fd, message, XFRM_MSG_NEWSA, &reply, sizeof(reply));
        return 1;
    }
    case XFRM_MSG_FLUSHSA:
        acknowledge(fd, message, 0);
        return 1;
    default:
        return 0;
    }
}

/* Answers a request buffer when every message in it is an SA operation; otherwise the kernel gets it. */
static int intercept(int fd, const void *buffer, size_t length) {
    if (!is_xfrm(fd)) return 0;
    const struct nlmsghdr *message = buffer;
    size_t left = length;
    int count = 0;
    for (; NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) count++;
    if (count == 0) return 0;
    /* Check first, then answer: a mixed batch goes to the kernel untouched. */
    pthread_mutex_lock(&lock);
    size_t saved = sockets[fd].length;
    message = buffer;
    left = length;
    for (; NLMSG_OK(message, left); message = NLMSG_NEXT(message, left)) {
        if (!answer(fd, message)) {
            sockets[fd].length = saved;
            pthread_mutex_unlock(&lock);
            return 0;
        }
    }
    pthread_mutex_unlock(&lock);
    return 1;
}

/* Copies queued answers into the caller's buffers; returns the byte count or -1 when none wait. */
static ssize_t dequeue(int fd, struct iovec *iov, int iovcnt, int flags, struct sockaddr *from, socklen_t *from_length, int *truncated) {
    if (!is_xfrm(fd)) return -1;
    pthread_mutex_lock(&lock);
    struct fake_socket *s = &sockets[fd];
    if (s->length == 0) {
        pthread_mutex_unlock(&lock);
        return -1;
    }
    /* One netlink message per read, as the kernel delivers them. */
    const struct nlmsghdr *first = (const struct nlmsghdr *)s->queue;
    size_t message_length = NLMSG_ALIGN(first->nlmsg_len);
    if (message_length > s->length) message_length = s->length;
    size_t copied = 0;
    for (int i = 0; i < iovcnt && copied < message_length; i++) {
        size_t chunk = iov[i].iov_len < message_length - copied ? iov[i].iov_len : message_length - copied;
        memcpy(iov[i].iov_base, s->queue + copied, chunk);
        copied += chunk;
    }
    if (truncated) *truncated = copied < message_length;
    if (!(flags & MSG_PEEK)) {
        memmove(s->queue, s->queue + message_length, s->length - message_length);
        s->length -= message_length;
    }
    pthread_mutex_unlock(&lock);
    if (from && from_length && *from_length >= sizeof(struct sockaddr_nl)) {
        struct sockaddr_nl kernel;
        memset(&kernel, 0, sizeof(kernel));
        kernel.nl_family = AF_NETLINK;
        memcpy(from, &kernel, sizeof(kernel));
        *from_length = sizeof(kernel);
    }
    return (flags & MSG_TRUNC) ? (ssize_t)message_length : (ssize_t)copied;
}

static int pending(int fd) { return is_xfrm(fd) && sockets[fd].length > 0; }

int socket(int domain, int type, int protocol) {
    REAL(socket);
    int fd = real_socket(domain, type, protocol);
    if (fd >= 0 && fd < MAX_FD) {
        sockets[fd].xfrm = domain == AF_NETLINK && protocol == NETLINK_XFRM;
        sockets[fd].length = 0;
    }
    return fd;
}

int close(int fd) {
    REAL(close);
    if (fd >= 0 && fd < MAX_FD) { sockets[fd].xfrm = 0; sockets[fd].length = 0; }
    return real_close(fd);
}

ssize_t write(int fd, const void *buffer, size_t length) {
    REAL(write);
    if (intercept(fd, buffer, length)) return (ssize_t)length;
    return real_write(fd, buffer, length);
}

ssize_t send(int fd, const void *buffer, size_t length, int flags) {
    REAL(send);
    if (intercept(fd, buffer, length)) return (ssize_t)length;
    return real_send(fd, buffer, length, flags);
}

ssize_t sendto(int fd, const void *buffer, size_t length, int flags, const struct sockaddr *to, socklen_t to_length) {
    REAL(sendto);
    if (intercept(fd, buffer, length)) return (ssize_t)length;
    return real_sendto(fd, buffer, length, flags, to, to_length);
}

ssize_t sendmsg(int fd, const struct msghdr *message, int flags) {
    REAL(sendmsg);
    if (is_xfrm(fd) && message->msg_iovlen >= 1) {
        size_t total = 0;
        for (size_t i = 0; i < message->msg_iovlen; i++) total += message->msg_iov[i].iov_len;
        unsigned char *flat = malloc(total ? total : 1);
        if (flat) {
            size_t offset = 0;
            for (size_t i = 0; i < message->msg_iovlen; i++) {
                memcpy(flat + offset, message->msg_iov[i].iov_base, message->msg_iov[i].iov_len);
                offset += message->msg_iov[i].iov_len;
            }
            int handled = intercept(fd, flat, total);
            free(flat);
            if (handled) return (ssize_t)total;
        }
    }
    return real_sendmsg(fd, message, flags);
}

ssize_t read(int fd, void *buffer, size_t length) {
    REAL(read);
    struct iovec iov = { buffer, length };
    ssize_t got = dequeue(fd, &iov, 1, 0, NULL, NULL, NULL);
    return got >= 0 ? got : real_read(fd, buffer, length);
}

ssize_t recv(int fd, void *buffer, size_t length, int flags) {
    REAL(recv);
    struct iovec iov = { buffer, length };
    ssize_t got = dequeue(fd, &iov, 1, flags, NULL, NULL, NULL);
    return got >= 0 ? got : real_recv(fd, buffer, length, flags);
}

ssize_t recvfrom(int fd, void *buffer, size_t length, int flags, struct sockaddr *from, socklen_t *from_length) {
    REAL(recvfrom);
    struct iovec iov = { buffer, length };
    ssize_t got = dequeue(fd, &iov, 1, flags, from, from_length, NULL);
    return got >= 0 ? got : real_recvfrom(fd, buffer, length, flags, from, from_length);
}

ssize_t recvmsg(int fd, struct msghdr *message, int flags) {
    REAL(recvmsg);
    int truncated = 0;
    ssize_t got = dequeue(fd, message->msg_iov, (int)message->msg_iovlen, flags, message->msg_name, &message->msg_namelen, &truncated);
    if (got >= 0) {
        message->msg_controllen = 0;
        message->msg_flags = truncated ? MSG_TRUNC : 0;
        return got;
    }
    return real_recvmsg(fd, message, flags);
}

/* Readiness: a socket with queued answers is readable now. */
int poll(struct pollfd *fds, nfds_t count, int timeout) {
    REAL(poll);
    int ready = 0;
    for (nfds_t i = 0; i < count; i++) if ((fds[i].events & POLLIN) && pending(fds[i].fd)) ready++;
    if (ready == 0) return real_poll(fds, count, timeout);
    int others = real_poll(fds, count, 0);
    ready = 0;
    for (nfds_t i = 0; i < count; i++) {
        if (others < 0) fds[i].revents = 0;
        if ((fds[i].events & POLLIN) && pending(fds[i].fd)) fds[i].revents |= POLLIN;
        if (fds[i].revents) ready++;
    }
    return ready;
}

int ppoll(struct pollfd *fds, nfds_t count, const struct timespec *timeout, const sigset_t *mask) {
    REAL(ppoll);
    for (nfds_t i = 0; i < count; i++) {
        if ((fds[i].events & POLLIN) && pending(fds[i].fd)) {
            struct timespec zero = { 0, 0 };
            int others = real_ppoll(fds, count, &zero, mask);
            int ready = 0;
            for (nfds_t j = 0; j < count; j++) {
                if (others < 0) fds[j].revents = 0;
                if ((fds[j].events & POLLIN) && pending(fds[j].fd)) fds[j].revents |= POLLIN;
                if (fds[j].revents) ready++;
            }
            return ready;
        }
    }
    return real_ppoll(fds, count, timeout, mask);
}

static int select_pending(int count, fd_set *readable) {
    int found = 0;
    for (int fd = 0; readable && fd < count && fd < MAX_FD; fd++) if (FD_ISSET(fd, readable) && pending(fd)) found++;
    return found;
}

int select(int count, fd_set *readable, fd_set *writable, fd_set *exceptional, struct timeval *timeout) {
    REAL(select);
    if (select_pending(count, readable) == 0) return real_select(count, readable, writable, exceptional, timeout);
    fd_set ours;
    FD_ZERO(&ours);
    for (int fd = 0; fd < count && fd < MAX_FD; fd++) if (FD_ISSET(fd, readable) && pending(fd)) FD_SET(fd, &ours);
    *readable = ours;
    if (writable) FD_ZERO(writable);
    if (exceptional) FD_ZERO(exceptional);
    int ready = 0;
    for (int fd = 0; fd < count && fd < MAX_FD; fd++) if (FD_ISSET(fd, readable)) ready++;
    return ready;
}

int pselect(int count, fd_set *readable, fd_set *writable, fd_set *exceptional, const struct timespec *timeout, const sigset_t *mask) {
    REAL(pselect);
    if (select_pending(count, readable) == 0) return real_pselect(count, readable, writable, exceptional, timeout, mask);
    struct timeval zero = { 0, 0 };
    return select(count, readable, writable, exceptional, &zero);
}
