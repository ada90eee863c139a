// The services of the benchmark's destination qube, one program named by
// the file it is run as (the emulated qube's rpc/NAME links to it):
//
//   bench.Sink    reads its input to the end, then writes how many bytes
//                 it read ("N\n"), so the caller can check nothing was lost
//   bench.Mirror  writes back every byte it reads
//   bench.Emit    writes ARG bytes without reading its input
//
// C and plain read()/write() with a 64 KiB buffer, as a simple service
// would: their cost is the same in the direct and the proxied call.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { kBufferSize = 64 * 1024 };
static char buffer[kBufferSize];

static int write_all(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t put = write(1, data, size);
    if (put < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += put;
    size -= (size_t)put;
  }
  return 0;
}

static int sink(void) {
  uint64_t total = 0;
  for (;;) {
    const ssize_t got = read(0, buffer, sizeof buffer);
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    total += (uint64_t)got;
  }
  char line[32];
  const int length = snprintf(line, sizeof line, "%llu\n", (unsigned long long)total);
  return write_all(line, (size_t)length) == 0 ? 0 : 1;
}

static int mirror(void) {
  for (;;) {
    const ssize_t got = read(0, buffer, sizeof buffer);
    if (got == 0) return 0;
    if (got < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (write_all(buffer, (size_t)got) != 0) return 1;
  }
}

static int emit(const char* count_text) {
  unsigned long long left = count_text != NULL ? strtoull(count_text, NULL, 10) : 0;
  memset(buffer, 'x', sizeof buffer);
  while (left > 0) {
    const size_t now = left < sizeof buffer ? (size_t)left : sizeof buffer;
    if (write_all(buffer, now) != 0) return 1;
    left -= now;
  }
  return 0;
}

int main(int argc, char** argv) {
  const char* slash = strrchr(argv[0], '/');
  const char* name = slash != NULL ? slash + 1 : argv[0];
  if (strcmp(name, "bench.Sink") == 0) return sink();
  if (strcmp(name, "bench.Mirror") == 0) return mirror();
  if (strcmp(name, "bench.Emit") == 0) return emit(argc > 1 ? argv[1] : NULL);
  return 127;
}
