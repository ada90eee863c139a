// The two ends of a non-blocking pipe (or socketpair) for tests that play
// a sender and a receiver around a fifo or a flow. Closing an end sets it
// to -1, so a test can hand one to the code under test to close.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace qrexec_proxy::test {

struct PipeEnds {
  enum class Kind { pipe, socket };
  explicit PipeEnds(Kind kind = Kind::pipe) {
    int fds[2];
    if (kind == Kind::pipe)
      EXPECT_EQ(::pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    else
      EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    read_end = fds[0];
    write_end = fds[1];
  }
  ~PipeEnds() {
    close_write();
    if (read_end >= 0) ::close(read_end);
  }
  PipeEnds(const PipeEnds&) = delete;
  PipeEnds& operator=(const PipeEnds&) = delete;

  void close_write() {
    if (write_end >= 0) ::close(write_end);
    write_end = -1;
  }
  // Everything readable now; `ended` set once the writer has closed.
  std::string read_available(bool* ended = nullptr) const {
    std::string text;
    char buffer[16384];
    for (;;) {
      const ssize_t got = ::read(read_end, buffer, sizeof buffer);
      if (got > 0) {
        text.append(buffer, static_cast<std::size_t>(got));
        continue;
      }
      if (got == 0 && ended != nullptr) *ended = true;
      return text;
    }
  }

  int read_end = -1;
  int write_end = -1;
};

}  // namespace qrexec_proxy::test
