// The direct path of the benchmark: a service that hands the call straight
// to qrexec-client-vm, with no proxy. Run as qrexec-agent runs a service,
// with the argument DST+SERVICE[+ARG], it becomes
// `qrexec-client-vm DST SERVICE[+ARG]` ($QREXEC_PROXY_CLIENT), which then
// owns the call's stdin and stdout: the least any forwarding can cost.
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  const char* argument = getenv("QREXEC_SERVICE_ARGUMENT");
  const char* client = getenv("QREXEC_PROXY_CLIENT");
  if (argument == NULL || client == NULL) return 125;
  char* target = strdup(argument);
  char* plus = target != NULL ? strchr(target, '+') : NULL;
  if (plus == NULL) return 125;
  *plus = '\0';
  char* const child_argv[] = {(char*)client, target, plus + 1, NULL};
  execv(client, child_argv);
  return 125;
}
