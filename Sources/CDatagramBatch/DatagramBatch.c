// recvmmsg(2), sendmmsg(2) and pthread_setname_np(3) are GNU extensions the Swift Glibc module does not show.
#define _GNU_SOURCE
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
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
    }
    int received = recvmmsg(fd, messages, count, MSG_WAITFORONE, NULL);
    for (int i = 0; i < received; i++) {
        slots[i].length = messages[i].msg_len;
        slots[i].truncated = (messages[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    }
    return received;
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
