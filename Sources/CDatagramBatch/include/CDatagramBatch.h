#ifndef ZVONOK_CDATAGRAMBATCH_H
#define ZVONOK_CDATAGRAMBATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/// One datagram slot for `zv_receive_datagrams`: the caller's buffer, and what the call wrote
/// into it (bytes, sender, whether the datagram was longer than the buffer, and when the kernel
/// received it: `arrival_ns`, CLOCK_REALTIME nanoseconds, 0 unless the socket has
/// SO_TIMESTAMPNS on).
typedef struct zv_datagram_slot {
    void *buffer;
    size_t capacity;
    size_t length;
    int truncated;
    struct sockaddr_storage source;
    int64_t arrival_ns;
    char control[64];
} zv_datagram_slot;

/// The most slots one call fills.
#define ZV_MAX_DATAGRAM_BATCH 64

/// Receives up to `count` (at most ZV_MAX_DATAGRAM_BATCH) datagrams with one recvmmsg(2) call
/// (MSG_WAITFORONE): takes what is already queued without waiting for more. On a non-blocking
/// socket with nothing queued it returns -1 with EAGAIN (the caller then waits in poll(2)).
/// Returns how many slots it filled, or -1 with errno.
int zv_receive_datagrams(int fd, zv_datagram_slot *slots, unsigned count);

/// One datagram for `zv_send_datagrams`: its bytes (the caller's, read during the call) and
/// where it goes.
typedef struct zv_outgoing_datagram {
    const void *bytes;
    size_t length;
    struct sockaddr_storage destination;
    socklen_t destination_length;
} zv_outgoing_datagram;

/// Sends up to `count` (at most ZV_MAX_DATAGRAM_BATCH) datagrams with one sendmmsg(2) call.
/// Returns how many left, counted from the first, or -1 with errno when the first could not be
/// sent. When fewer than `count` left, the next one failed; sendmmsg does not say why (a plain
/// sendto of that one does), and the rest were not tried.
int zv_send_datagrams(int fd, const zv_outgoing_datagram *datagrams, unsigned count);

/// Turns on the kernel's receive timestamps (SO_TIMESTAMPNS) for `fd`; 0, or -1 with errno.
int zv_enable_receive_timestamps(int fd);

/// Now on CLOCK_REALTIME, in nanoseconds: the clock of `arrival_ns`.
int64_t zv_realtime_ns(void);

/// Names the calling thread (pthread_setname_np; at most 15 bytes are kept), for top -H and perf.
void zv_name_current_thread(const char *name);

#endif
