#ifndef ZVONOK_CDATAGRAMBATCH_H
#define ZVONOK_CDATAGRAMBATCH_H

#include <stddef.h>
#include <sys/socket.h>

/// One datagram slot for `zv_receive_datagrams`: the caller's buffer, and what the call wrote
/// into it (bytes, sender, whether the datagram was longer than the buffer).
typedef struct zv_datagram_slot {
    void *buffer;
    size_t capacity;
    size_t length;
    int truncated;
    struct sockaddr_storage source;
} zv_datagram_slot;

/// The most slots one call fills.
#define ZV_MAX_DATAGRAM_BATCH 64

/// Receives up to `count` (at most ZV_MAX_DATAGRAM_BATCH) datagrams with one recvmmsg(2) call
/// (MSG_WAITFORONE): takes what is already queued without waiting for more. On a non-blocking
/// socket with nothing queued it returns -1 with EAGAIN (the caller then waits in poll(2)).
/// Returns how many slots it filled, or -1 with errno.
int zv_receive_datagrams(int fd, zv_datagram_slot *slots, unsigned count);

/// Names the calling thread (pthread_setname_np; at most 15 bytes are kept), for top -H and perf.
void zv_name_current_thread(const char *name);

#endif
