/* Netlink sockets for the XFRM kernel port. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/netlink.h>
#include "ike_support.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int ike_netlink_open(int protocol, unsigned int groups, int nonblocking) {
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), protocol);
    if (fd < 0) return -errno;
    struct sockaddr_nl address;
    memset(&address, 0, sizeof(address));
    address.nl_family = AF_NETLINK;
    address.nl_groups = groups;
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    /* Notifications come in bursts (a flush deletes thousands of SAs at once): a large buffer makes
     * ENOBUFS rare; the caller re-reads the tables when it happens anyway. */
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    return fd;
}

int ike_netlink_send(int fd, const void *bytes, size_t length) {
    struct sockaddr_nl kernel;
    memset(&kernel, 0, sizeof(kernel));
    kernel.nl_family = AF_NETLINK;
    for (;;) {
        ssize_t sent = sendto(fd, bytes, length, 0, (struct sockaddr *)&kernel, sizeof(kernel));
        if (sent >= 0) return 0;
        if (errno != EINTR) return -errno;
    }
}

ssize_t ike_netlink_receive(int fd, void *buffer, size_t length, int timeout_ms) {
    struct pollfd descriptor = { .fd = fd, .events = POLLIN };
    for (;;) {
        int ready = poll(&descriptor, 1, timeout_ms);
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) return -errno;
        if (ready == 0) return 0;
        ssize_t count = recv(fd, buffer, length, MSG_DONTWAIT);
        if (count >= 0) return count;
        if (errno == EINTR || errno == EAGAIN) continue;
        return -errno;
    }
}

/* ---- a netlink socket inside a named network namespace ---- */

struct netns_open {
    const char *path;
    int protocol;
    unsigned int groups;
    int nonblocking;
    int result;
};

static void *open_in_netns(void *argument) {
    /* A socket belongs to the namespace of the thread that creates it: this short-lived thread
     * enters the namespace, opens the socket and ends, leaving the caller's threads where they were. */
    struct netns_open *request = argument;
    int fd = open(request->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { request->result = -errno; return NULL; }
    if (setns(fd, CLONE_NEWNET) < 0) { request->result = -errno; close(fd); return NULL; }
    close(fd);
    request->result = ike_netlink_open(request->protocol, request->groups, request->nonblocking);
    return NULL;
}

int ike_netlink_open_in_netns(const char *name, int protocol, unsigned int groups, int nonblocking) {
    char path[256];
    if (snprintf(path, sizeof(path), "/var/run/netns/%s", name) >= (int)sizeof(path)) return -ENAMETOOLONG;
    struct netns_open request = { path, protocol, groups, nonblocking, -EINVAL };
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, open_in_netns, &request);
    if (rc != 0) return -rc;
    pthread_join(thread, NULL);
    return request.result;
}
