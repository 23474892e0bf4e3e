/* wharf-checker: a static program run *inside* a test container (youki's runtimetest idea).
 * It prints what it sees as "key=value" lines, one fact per line, for the Python tests.
 * Optional arguments ask it to try things: "mkdir PATH" reports the errno of mkdir(2);
 * "write PATH" the errno of opening PATH for writing; "sleep N" sleeps before exiting. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static void printFile(const char* key, const char* path) {
  char buf[256];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("%s=<errno %d>\n", key, errno);
    return;
  }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n < 0) n = 0;
  buf[n] = 0;
  char* nl = strchr(buf, '\n');
  if (nl) *nl = 0;
  printf("%s=%s\n", key, buf);
}

static void statusFields(void) {
  FILE* f = fopen("/proc/self/status", "r");
  char line[512];
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "Cap", 3) || !strncmp(line, "Seccomp:", 8) ||
        !strncmp(line, "NoNewPrivs:", 11)) {
      char* colon = strchr(line, ':');
      *colon = 0;
      char* v = colon + 1;
      while (*v == ' ' || *v == '\t') ++v;
      v[strcspn(v, "\n")] = 0;
      printf("%s=%s\n", line, v);
    }
  }
  fclose(f);
}

static void namespaces(void) {
  const char* ns[] = {"pid", "net", "mnt", "ipc", "uts", "user", "cgroup"};
  for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; ++i) {
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/ns/%s", ns[i]);
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n < 0 ? 0 : n] = 0;
    printf("ns.%s=%s\n", ns[i], target);
  }
}

static void mounts(void) {
  FILE* f = fopen("/proc/self/mountinfo", "r");
  char line[1024];
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    /* id parent major:minor root mountpoint options ... - fstype source superoptions */
    char root[256], point[256], opts[256], fstype[64];
    char* dash = strstr(line, " - ");
    if (!dash || sscanf(line, "%*s %*s %*s %255s %255s %255s", root, point, opts) != 3) continue;
    if (sscanf(dash + 3, "%63s", fstype) != 1) continue;
    printf("mount=%s %s %s\n", point, fstype, opts);
  }
  fclose(f);
}

int main(int argc, char** argv) {
  struct utsname u;
  uname(&u);
  printf("pid=%d\nppid=%d\nuid=%d\ngid=%d\neuid=%d\n", getpid(), getppid(), getuid(), getgid(),
         geteuid());
  gid_t groups[64];
  int ng = getgroups(64, groups);
  printf("groups=");
  for (int i = 0; i < ng; ++i) printf("%s%d", i ? "," : "", groups[i]);
  printf("\nhostname=%s\n", u.nodename);
  printf("domainname=%s\nmachine=%s\n", u.domainname, u.machine);
  printf("personality=0x%x\n", (unsigned)personality(0xffffffff));
  /* ioprio_get(IOPRIO_WHO_PROCESS, self): class << 13 | data */
  printf("ioprio=%ld\n", (long)syscall(SYS_ioprio_get, 1, 0));
  printf("sched.policy=%d\n", sched_getscheduler(0) & ~SCHED_RESET_ON_FORK);
  errno = 0;
  printf("nice=%d\n", getpriority(PRIO_PROCESS, 0));
  char cwd[512];
  printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  mode_t m = umask(0);
  printf("umask=%04o\n", m);
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("nofile=%llu:%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  printf("isatty=%d\n", isatty(0));
  statusFields();
  namespaces();
  printFile("lo.flags", "/sys/class/net/lo/flags");
  printFile("memory.limit", "/sys/fs/cgroup/memory/memory.limit_in_bytes");
  printFile("pids.max", "/sys/fs/cgroup/pids/pids.max");
  printFile("oom_score_adj", "/proc/self/oom_score_adj");
  printFile("keys", "/proc/keys");
  const char* env = getenv("CHECKER_ENV");
  printf("env.CHECKER_ENV=%s\n", env ? env : "");
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "mkdir")) {
      int rc = mkdir(argv[i + 1], 0755);
      printf("mkdir=%d\n", rc < 0 ? errno : 0);
    } else if (!strcmp(argv[i], "write")) {
      int fd = open(argv[i + 1], O_WRONLY | O_CLOEXEC);
      printf("write=%d\n", fd < 0 ? errno : 0);
      if (fd >= 0) close(fd);
    } else if (!strcmp(argv[i], "sleep")) {
      fflush(stdout);
      sleep((unsigned)atoi(argv[i + 1]));
    }
  }
  mounts();
  return 0;
}
