#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include "CNexusPlatform.h"

int nexus_pipe_cloexec_nonblock(int fds[2]) { return pipe2(fds, O_CLOEXEC | O_NONBLOCK); }

int nexus_set_read_lease(int fd) { return fcntl(fd, F_SETLEASE, F_RDLCK); }

int nexus_release_lease(int fd) { return fcntl(fd, F_SETLEASE, F_UNLCK); }

int nexus_start_writeback(int fd, long long offset, long long count) {
    return sync_file_range(fd, offset, count, SYNC_FILE_RANGE_WRITE);
}

void nexus_name_this_thread(const char *name) {
    char shortName[16];
    strncpy(shortName, name, sizeof shortName - 1);
    shortName[sizeof shortName - 1] = 0;
    pthread_setname_np(pthread_self(), shortName);
}
