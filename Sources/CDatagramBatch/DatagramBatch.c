// recvmmsg(2), sendmmsg(2) and pthread_setname_np(3) are GNU extensions the Swift Glibc module does not show.
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "CDatagramBatch.h"

int zv_receive_datagrams(int fd, zv_datagram_slot *slots, unsigned count) {
    if (count > ZV_MAX_DATAGRAM_BATCH) count = ZV_MAX_DATAGRAM_BATCH;
    struct mmsghdr messages[ZV_MAX_DATAGRAM_BATCH];
    struct iovec vectors[ZV_MAX_DATAGRAM_BATCH];
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = slots[i].buffer;
        vectors[i].iov_len = slots[i].capacity;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = &slots[i].source;
        messages[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        messages[i].msg_hdr.msg_control = slots[i].control;
        messages[i].msg_hdr.msg_controllen = sizeof slots[i].control;
    }
    int received = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    for (int i = 0; i < received; i++) {
        slots[i].length = messages[i].msg_len;
        slots[i].truncated = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
        slots[i].arrival_ns = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&messages[i].msg_hdr); c != NULL; c = CMSG_NXTHDR(&messages[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec stamp;
                memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
                slots[i].arrival_ns = (int64_t)stamp.tv_sec * 1000000000 + stamp.tv_nsec;
            }
        }
    }
    return received;
}

int zv_enable_receive_timestamps(int fd) {
    int on = 1;
    return setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
}

int64_t zv_realtime_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

int zv_send_datagrams(int fd, const zv_outgoing_datagram *datagrams, unsigned count) {
    if (count > ZV_MAX_DATAGRAM_BATCH) count = ZV_MAX_DATAGRAM_BATCH;
    struct mmsghdr messages[ZV_MAX_DATAGRAM_BATCH];
    struct iovec vectors[ZV_MAX_DATAGRAM_BATCH];
    memset(messages, 0, sizeof(struct mmsghdr) * count);
    for (unsigned i = 0; i < count; i++) {
        vectors[i].iov_base = (void *)datagrams[i].bytes;
        vectors[i].iov_len = datagrams[i].length;
        messages[i].msg_hdr.msg_iov = &vectors[i];
        messages[i].msg_hdr.msg_iovlen = 1;
        messages[i].msg_hdr.msg_name = (void *)&datagrams[i].destination;
        messages[i].msg_hdr.msg_namelen = datagrams[i].destination_length;
    }
    return sendmmsg(fd, messages, count, MSG_NOSIGNAL);
}

void zv_name_current_thread(const char *name) {
    char shortened[16];
    strncpy(shortened, name, sizeof shortened - 1);
    shortened[sizeof shortened - 1] = '\0';
    pthread_setname_np(pthread_self(), shortened);
}
