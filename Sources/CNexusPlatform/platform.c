#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "CNexusPlatform.h"

int nexus_pipe_cloexec_nonblock(int fds[2]) { return pipe2(fds, O_CLOEXEC | O_NONBLOCK); }

int nexus_set_read_lease(int fd) { return fcntl(fd, F_SETLEASE, F_RDLCK); }

int nexus_release_lease(int fd) { return fcntl(fd, F_SETLEASE, F_UNLCK); }
