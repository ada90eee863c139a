// qrexec-client-vm emulator: the one stand-in for Qubes in the tests and
// the demo. It behaves like `qrexec-client-vm TARGET SERVICE[+ARG]` run in
// an emulated qube, keeping to what qubes-core-qrexec (Qubes 4.2) does in
// everything the proxy relies on:
//
//  - qubes are directories: $QREXEC_EMU_ROOT/QUBE/rpc/NAME are the services
//    of QUBE's template (/etc/qubes-rpc/NAME), QUBE/local-rpc/NAME those of
//    the qube itself (/usr/local/etc/qubes-rpc/NAME), looked up first; in
//    each, NAME+ARG is tried before NAME;
//  - the calling qube is $QREXEC_EMU_QUBE (set for every service it runs,
//    so a service that calls on is the right caller);
//  - dom0 policy: $QREXEC_EMU_ROOT/policy, if present, holds v5 lines
//    "SERVICE ARGUMENT SOURCE TARGET allow|ask|deny [target=QUBE]" (first
//    match wins; '*' and '@anyvm' match anything; no match denies; `ask` is
//    answered yes; `target=QUBE` runs the call in QUBE instead, the
//    redirection of a route). TARGET may be @default or @dispvm, which
//    only a redirecting line resolves (no disposable is ever made).
//    Without the file every call to an existing qube is allowed. A
//    refusal prints "Request refused" and exits 126, a missing service
//    exits 127, like the real client;
//  - the service runs with stdin, stdout and stderr on AF_UNIX socketpairs,
//    QREXEC_REMOTE_DOMAIN = the caller, the argument in argv[1] (when not
//    empty) and in QREXEC_SERVICE_ARGUMENT, QREXEC_SERVICE_FULL_NAME, and no
//    other environment but PATH, the emulator's own variables and those
//    named in $QREXEC_EMU_PASS_ENV (space separated);
//  - its stdout reaches our stdout, its stderr our stderr (as qrexec sends
//    a service's stderr to the caller), our stdin its stdin; end of stream
//    is passed on with shutdown(); we exit with its status (128+N for a
//    signal) once it has exited and its output is delivered;
//  - with QREXEC_EMU_LOGIN_SHELL=1, the service starts as qrexec-agent
//    starts it, through a login shell (`/bin/sh -lc`, the user's profile
//    first, HOME passed on); otherwise directly, which spares the tests the
//    machine's profile;
//  - `qrexec-client-vm TARGET SERVICE LOCAL_PROGRAM [ARGS...]` (how qvm-copy
//    runs qfile-agent) connects the local program's stdin and stdout, each
//    a socket of its own, to the service instead of ours; we wait for it to
//    exit too.
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

[[noreturn]] void die(int status, const std::string& message) {
  if (!message.empty()) std::fprintf(stderr, "%s\n", message.c_str());
  std::exit(status);
}

bool is_qube_name(const std::string& name) {
  if (name.empty() || name.size() > 31 || !std::isalpha(static_cast<unsigned char>(name[0])))
    return false;
  for (const char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

bool directory_exists(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

bool is_executable(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

// The targets a caller may name that are no qube: @default (qvm-copy,
// qvm-open-in-vm without a qube) and @dispvm (a new disposable).
bool is_keyword_target(const std::string& target) {
  return target == "@default" || target == "@dispvm";
}

bool matches(const std::string& pattern, const std::string& value) {
  return pattern == "*" || pattern == "@anyvm" || pattern == value;
}

// The qube where the policy lets SOURCE's call of SERVICE+ARG to TARGET
// run: TARGET, or the qube of a `target=` redirection; empty when refused.
std::string policy_decision(const std::string& root, const std::string& service,
                            const std::string& argument, const std::string& source,
                            const std::string& target) {
  std::ifstream policy(root + "/policy");
  if (!policy) return target;
  std::string line;
  while (std::getline(policy, line)) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::string rule_service, rule_argument, rule_source, rule_target, action;
    if (!(fields >> rule_service >> rule_argument >> rule_source >> rule_target >> action))
      continue;
    const std::string wanted_argument = "+" + argument;
    if (!matches(rule_service, service)) continue;
    if (rule_argument != "*" && rule_argument != wanted_argument) continue;
    if (!matches(rule_source, source) || !matches(rule_target, target)) continue;
    if (action != "allow" && action != "ask") return {};
    std::string redirected = target;
    for (std::string parameter; fields >> parameter;)
      if (parameter.starts_with("target=")) redirected = parameter.substr(7);
    return is_keyword_target(redirected) ? std::string() : redirected;
  }
  return {};
}

// The program of QUBE's service CALL (NAME+ARG, else NAME), first in the
// qube's own services, then in its template's; empty when none.
std::string find_service(const std::string& qube_dir, const std::string& call,
                         const std::string& service) {
  for (const char* directory : {"/local-rpc/", "/rpc/"}) {
    for (const std::string& name : {call, service})
      if (is_executable(qube_dir + directory + name)) return qube_dir + directory + name;
  }
  return {};
}

struct Relay {
  int from;
  int to;
  bool to_is_socket;
  std::vector<char> buffer = std::vector<char>(64 * 1024);
  std::size_t start = 0;
  std::size_t end = 0;
  bool eof = false;
  bool closed = false;  // `to` is closed or gone

  bool wants_read() const { return !eof && end == 0; }
  bool wants_write() const { return !closed && start < end; }

  void finish_output() {
    if (closed) return;
    closed = true;
    if (to_is_socket)
      ::shutdown(to, SHUT_WR);
    else
      ::close(to);
  }

  void read_some() {
    const ssize_t got = ::read(from, buffer.data(), buffer.size());
    if (got > 0) {
      start = 0;
      end = static_cast<std::size_t>(got);
    } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
      eof = true;
    }
    if (eof && end == 0) finish_output();
  }

  void write_some() {
    const ssize_t put = ::write(to, buffer.data() + start, end - start);
    if (put > 0) {
      start += static_cast<std::size_t>(put);
      if (start == end) start = end = 0;
    } else if (put < 0 && errno != EAGAIN && errno != EINTR) {
      closed = true;  // receiver gone: drop what is left
      start = end = 0;
    }
    if (eof && end == 0) finish_output();
  }
};

bool is_socket(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

void set_nonblocking(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

}  // namespace

int main(int argc, char** argv) {
  ::signal(SIGPIPE, SIG_IGN);
  int first = 1;
  while (first < argc && std::strncmp(argv[first], "--", 2) == 0) {
    if (std::strcmp(argv[first], "--") == 0) {
      ++first;
      break;
    }
    ++first;  // --buffer-size=N and other options of the real client: accepted, unused
  }
  if (argc - first < 2)
    die(2, "usage: qrexec-client-vm [options] TARGET SERVICE[+ARG] [LOCAL_PROGRAM [ARGS...]]");
  const std::string target = argv[first];
  const std::string call = argv[first + 1];
  const std::string root = env_or_empty("QREXEC_EMU_ROOT");
  const std::string source = env_or_empty("QREXEC_EMU_QUBE");
  if (root.empty() || source.empty())
    die(125, "qrexec-client-vm emulator: QREXEC_EMU_ROOT and QREXEC_EMU_QUBE must be set");

  const auto plus = call.find('+');
  const std::string service = call.substr(0, plus);
  const std::string argument = plus == std::string::npos ? "" : call.substr(plus + 1);

  if (!is_keyword_target(target) && !is_qube_name(target)) die(126, "Request refused");
  const std::string runs_in = policy_decision(root, service, argument, source, target);
  if (runs_in.empty() || !is_qube_name(runs_in) || !directory_exists(root + "/" + runs_in))
    die(126, "Request refused");

  std::string program = find_service(root + "/" + runs_in, call, service);
  if (program.empty()) die(127, "");
  std::vector<std::string> environment = {
      "PATH=" + env_or_empty("PATH"),
      "QREXEC_REMOTE_DOMAIN=" + source,
      "QREXEC_SERVICE_ARGUMENT=" + argument,
      "QREXEC_SERVICE_FULL_NAME=" + call,
      "QREXEC_EMU_ROOT=" + root,
      "QREXEC_EMU_QUBE=" + runs_in,
  };
  const std::string pass = env_or_empty("QREXEC_EMU_PASS_ENV");
  if (!pass.empty()) environment.push_back("QREXEC_EMU_PASS_ENV=" + pass);
  std::istringstream names(pass);
  for (std::string name; names >> name;)
    if (const char* value = std::getenv(name.c_str())) environment.push_back(name + "=" + value);

  int in[2], out[2], err[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0 ||
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0 ||
      ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, err) != 0)
    die(125, "socketpair failed");

  posix_spawn_file_actions_t actions;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, in[1], 0);
  ::posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  ::posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawnattr_t attributes;
  ::posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigdefault(&attributes, &defaults);
  ::posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> child_argv;
  std::string shell = "/bin/sh", login = "-lc", run_service = "exec \"$0\" \"$@\"";
  const bool login_shell = env_or_empty("QREXEC_EMU_LOGIN_SHELL") == "1";
  if (login_shell) {
    child_argv = {shell.data(), login.data(), run_service.data()};
    if (const char* home = std::getenv("HOME")) environment.push_back(std::string("HOME=") + home);
  }
  child_argv.push_back(program.data());
  std::string argument_copy = argument;
  if (!argument_copy.empty()) child_argv.push_back(argument_copy.data());
  child_argv.push_back(nullptr);
  std::vector<char*> child_env;
  for (auto& variable : environment) child_env.push_back(variable.data());
  child_env.push_back(nullptr);

  pid_t pid = -1;
  const int spawn_error = ::posix_spawn(&pid, login_shell ? shell.c_str() : program.c_str(),
                                        &actions, &attributes, child_argv.data(), child_env.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attributes);
  if (spawn_error != 0) die(127, "");
  ::close(in[1]);
  ::close(out[1]);
  ::close(err[1]);

  // The local program, if any, talks to the service in our place.
  int local_input = 0;
  int local_output = 1;
  pid_t local_pid = -1;
  if (argc - first > 2) {
    // Two socketpairs, as libqrexec gives a program it starts: closing its
    // stdout (qopen-in-vm does) ends what it sends.
    int to_program[2], from_program[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, to_program) != 0 ||
        ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, from_program) != 0)
      die(125, "socketpair failed");
    posix_spawn_file_actions_t local_actions;
    ::posix_spawn_file_actions_init(&local_actions);
    ::posix_spawn_file_actions_adddup2(&local_actions, to_program[1], 0);
    ::posix_spawn_file_actions_adddup2(&local_actions, from_program[1], 1);
    if (::posix_spawn(&local_pid, argv[first + 2], &local_actions, nullptr, argv + first + 2,
                      environ) != 0)
      die(127, "cannot start the local program");
    ::posix_spawn_file_actions_destroy(&local_actions);
    ::close(to_program[1]);
    ::close(from_program[1]);
    local_input = from_program[0];
    local_output = to_program[0];
  }

  for (const int fd : {local_input, local_output, 2, in[0], out[0], err[0]}) set_nonblocking(fd);
  Relay relays[] = {
      {local_input, in[0], true},
      {out[0], local_output, is_socket(local_output)},
      {err[0], 2, is_socket(2)},
  };

  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  int status = 0;
  bool exited = false;
  while (true) {
    if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) exited = true;
    // qrexec ends the call when the service has exited and its output is out.
    if (exited && relays[1].eof && relays[1].end == 0 && relays[2].eof && relays[2].end == 0) break;
    pollfd fds[7];
    int count = 0;
    int index[7];
    if (!exited && pidfd >= 0) {
      fds[count] = {pidfd, POLLIN, 0};
      index[count++] = -1;
    }
    for (int r = 0; r < 3; ++r) {
      if (relays[r].wants_read()) {
        fds[count] = {relays[r].from, POLLIN, 0};
        index[count++] = r;
      } else if (relays[r].wants_write()) {
        fds[count] = {relays[r].to, POLLOUT, 0};
        index[count++] = r + 3;
      } else if (!relays[r].eof && relays[r].closed) {
        fds[count] = {relays[r].from, POLLIN, 0};  // discard what a gone receiver will not take
        index[count++] = r;
      }
    }
    ::poll(fds, static_cast<nfds_t>(count), pidfd >= 0 ? -1 : 50);
    for (int i = 0; i < count; ++i) {
      if (fds[i].revents == 0 || index[i] < 0) continue;
      Relay& relay = relays[index[i] % 3];
      if (index[i] < 3) {
        relay.read_some();
        if (relay.closed) relay.start = relay.end = 0;
      } else {
        relay.write_some();
      }
    }
  }
  if (local_pid > 0) {
    ::close(local_output);
    ::close(local_input);
    int local_status = 0;
    ::waitpid(local_pid, &local_status, 0);
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}
