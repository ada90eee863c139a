#include "log/journal.hpp"

#include "log/log_text.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

constexpr char kJournalSocket[] = "/run/systemd/journal/socket";
// As sd-journal: room for large records in one datagram where allowed.
constexpr int kSendBufferSize = 8 * 1024 * 1024;

sockaddr_un journal_address() {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, kJournalSocket, sizeof kJournalSocket);
  return address;
}

void sleep_for(Clock::duration duration) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(duration).count();
  timespec pause{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
  while (::nanosleep(&pause, &pause) != 0 && errno == EINTR) {
  }
}

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t put = ::write(fd, bytes.data(), bytes.size());
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(put));
  }
  return true;
}

}  // namespace

void append_journal_field(std::string& record, std::string_view name, std::string_view value) {
  record.append(name);
  if (value.find('\n') == std::string_view::npos) {
    record.push_back('=');
    record.append(value);
  } else {
    record.push_back('\n');
    std::uint64_t length = value.size();
    for (int byte = 0; byte < 8; ++byte, length >>= 8)
      record.push_back(static_cast<char>(length & 0xff));
    record.append(value);
  }
  record.push_back('\n');
}

// The socket is made now, before the service installs its system call
// filter: afterwards no new socket may be made (a process that could make
// one could send records under any identifier).
Journal::Journal() : socket_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
  // Best effort: only root may raise it past the system's limit.
  if (socket_ >= 0)
    (void)::setsockopt(socket_, SOL_SOCKET, SO_SNDBUF, &kSendBufferSize, sizeof kSendBufferSize);
}

Journal::~Journal() {
  if (socket_ >= 0) ::close(socket_);
}

void Journal::set_call(const CallInfo& call, std::string_view entry, std::string_view route) {
  call_fields_.clear();
  append_journal_field(call_fields_, journal_field::chain, escape_for_log(call.chain));
  append_journal_field(call_fields_, journal_field::source, escape_for_log(call.source));
  append_journal_field(call_fields_, journal_field::target, escape_for_log(call.target));
  append_journal_field(call_fields_, journal_field::service, escape_for_log(call.service, 2048));
  append_journal_field(call_fields_, journal_field::entry, entry);
  entry_ = entry;
  if (!route.empty())
    append_journal_field(call_fields_, journal_field::route, escape_for_log(route, 1024));
}

void Journal::set_source(std::string_view source, std::string_view entry) {
  call_fields_.clear();
  append_journal_field(call_fields_, journal_field::source, escape_for_log(source));
  append_journal_field(call_fields_, journal_field::entry, entry);
  entry_ = entry;
}

void Journal::send(Priority priority, std::string_view event, std::string_view message,
                   std::span<const LogField> fields) {
  static constexpr char digits[] = "01234567";
  const char level = digits[static_cast<int>(priority) & 7];
  record_.clear();
  append_journal_field(record_, journal_field::priority, std::string_view(&level, 1));
  append_journal_field(record_, journal_field::syslog_identifier, kSyslogIdentifier);
  append_journal_field(record_, journal_field::event, event);
  append_journal_field(record_, journal_field::message, message);
  for (const auto& field : fields) append_journal_field(record_, field.name, field.value);
  record_.append(call_fields_);
  deliver();
  ++sent_;
}

void Journal::settle() {
  if (socket_ < 0 || sent_ == 0) return;
  constexpr auto kMostWait = std::chrono::seconds(1);
  constexpr auto kPoll = std::chrono::microseconds(50);
  const sockaddr_un address = journal_address();
  ssize_t fence = -1;
  do
    fence = ::sendto(socket_, "", 0, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address),
                     sizeof address);
  while (fence < 0 && errno == EINTR);
  if (fence < 0) return;
  const auto deadline = Clock::now() + kMostWait;
  int queued = 0;
  // SIOCOUTQ: bytes of our datagrams, the fence's included, that journald
  // has not received yet.
  while (::ioctl(socket_, SIOCOUTQ, &queued) == 0 && queued > 0 && Clock::now() < deadline)
    sleep_for(kPoll);
}

void Journal::deliver() {
  if (socket_ < 0) return;
  const sockaddr_un address = journal_address();
  while (true) {
    // Blocking: when journald falls behind, the call waits for it rather
    // than lose records.
    const ssize_t sent = ::sendto(socket_, record_.data(), record_.size(), MSG_NOSIGNAL,
                                  reinterpret_cast<const sockaddr*>(&address), sizeof address);
    if (sent >= 0) return;
    if (errno == EINTR) continue;
    if (errno == EMSGSIZE || errno == ENOBUFS) deliver_in_memfd();
    // Anything else (no journal running): dropped, see the class comment.
    return;
  }
}

void Journal::deliver_in_memfd() {
  const int memory = ::memfd_create("qrexec-proxy-journal", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (memory < 0) return;
  // journald takes a record from a memfd only when it is sealed.
  if (write_all(memory, record_) &&
      ::fcntl(memory, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0) {
    const sockaddr_un address = journal_address();
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr message{};
    message.msg_name = const_cast<sockaddr_un*>(&address);
    message.msg_namelen = sizeof address;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(header), &memory, sizeof(int));
    while (::sendmsg(socket_, &message, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
  }
  ::close(memory);
}

}  // namespace qrexec_proxy
