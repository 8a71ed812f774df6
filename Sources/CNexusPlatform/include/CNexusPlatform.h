#ifndef C_NEXUS_PLATFORM_H
#define C_NEXUS_PLATFORM_H

/// Linux calls that Swift's Glibc module hides behind _GNU_SOURCE.

/// pipe2(2) with O_CLOEXEC | O_NONBLOCK. Returns 0 or -1 (errno set).
int nexus_pipe_cloexec_nonblock(int fds[2]);

/// Takes a read lease on an open file: fails with EAGAIN while another process has the
/// file open for writing, EACCES/EPERM without ownership or CAP_LEASE. Returns 0 or -1.
int nexus_set_read_lease(int fd);

/// Releases a lease taken by nexus_set_read_lease. Returns 0 or -1.
int nexus_release_lease(int fd);

/// Starts writing `count` bytes of an open file from `offset` to its disk, without waiting
/// (sync_file_range(2) with SYNC_FILE_RANGE_WRITE), so that a later fsync has less to wait
/// for. Returns 0 or -1 (errno set).
int nexus_start_writeback(int fd, long long offset, long long count);

/// Names the calling thread (pthread_setname_np(3); at most 15 bytes are kept), as `top -H`
/// and /proc/PID/task/TID/comm show it.
void nexus_name_this_thread(const char *name);

#endif
