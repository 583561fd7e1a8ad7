// Linux system calls that Swift's Glibc module does not expose, behind small C functions, so
// no Swift file declares a libc symbol by hand or spells an ioctl number.
#ifndef COMPE_CLINUX_H
#define COMPE_CLINUX_H

#ifndef __linux__
#error "compe runs on Linux: it uses inotify, syncfs(2), openat2(2) and ext4 directory flags"
#endif

/// syncfs(2): flushes the whole file system that holds `fd` (declared by glibc only under
/// _GNU_SOURCE). Returns 0, or -1 with errno set.
int compe_syncfs(int fd);

/// Marks the directory `fd` as the top of a directory hierarchy (FS_TOPDIR_FL, `chattr +T`), so
/// ext4 spreads the folders made below it over its block groups. Returns 0, or -1 with errno set
/// (file systems without the flag refuse it; callers may ignore that).
int compe_mark_top_directory(int fd);

/// Opens `path` relative to the directory `dirfd` without ever leaving it: no `..` above it, no
/// absolute path, no symbolic link (anywhere in the path) that points outside it (openat2 with
/// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS). Returns the descriptor, or -1 with errno set
/// (EXDEV for a path that would escape; ENOSYS on kernels before 5.6).
int compe_open_beneath(int dirfd, const char *path, int flags);

#endif
