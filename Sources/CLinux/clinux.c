#define _GNU_SOURCE
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include "clinux.h"

int compe_syncfs(int fd) { return syncfs(fd); }

int compe_mark_top_directory(int fd) {
    int flags = 0;
    if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) return -1;
    flags |= FS_TOPDIR_FL;
    return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}
