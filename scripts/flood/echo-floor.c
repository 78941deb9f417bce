/* The system-call floor of answering one datagram on loopback, for docs/PERFORMANCE.md: poll, read
 * every waiting datagram (recvmsg until EAGAIN), answer each with 120 bytes (sendmsg), as in.iked's
 * loop does, with no IKE work at all. Usage: echo-floor PORT (binds 127.0.0.1). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: echo-floor PORT\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int on = 1;
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])) };
    inet_pton(AF_INET, "127.0.0.1", &local.sin_addr);
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); return 1; }
    static unsigned char buffer[65536], answer[120];
    memset(answer, 7, sizeof answer);
    for (;;) {
        struct pollfd ready = { .fd = fd, .events = POLLIN };
        poll(&ready, 1, 1000);
        for (;;) {
            struct sockaddr_in source;
            char control[256];
            struct iovec in = { buffer, sizeof buffer };
            struct msghdr request = { .msg_name = &source, .msg_namelen = sizeof source, .msg_iov = &in, .msg_iovlen = 1,
                                      .msg_control = control, .msg_controllen = sizeof control };
            if (recvmsg(fd, &request, MSG_DONTWAIT) < 0) break;
            struct iovec out = { answer, sizeof answer };
            struct msghdr reply = { .msg_name = &source, .msg_namelen = sizeof source, .msg_iov = &out, .msg_iovlen = 1 };
            sendmsg(fd, &reply, 0);
        }
    }
}
