#include "io/ring_fifo.hpp"

#include "support/pipe_ends.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace qrexec_proxy {
namespace {

// A pipe the test writes into and reads out of.
struct Pipe : test::PipeEnds {
  void put(const std::string& data) {
    ASSERT_EQ(::write(write_end, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  std::string take(std::size_t max) {
    std::string out(max, '\0');
    const ssize_t got = ::read(read_end, out.data(), max);
    out.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return out;
  }
};

std::string view(RingFifo& fifo, std::uint64_t from, std::size_t count) {
  const auto bytes = fifo.bytes(from, count);
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

TEST(RingFifo, KeepsEveryRunContiguousAcrossTheWrap) {
  auto fifo = RingFifo::create(4096);
  ASSERT_TRUE(fifo);
  EXPECT_EQ(fifo->capacity(), 4096u);
  Pipe in, out;
  in.put(std::string(3000, 'a'));
  ASSERT_EQ(fifo->fill_from(in.read_end, 4096).bytes, 3000u);
  ASSERT_EQ(fifo->drain_to(out.write_end, 3000).bytes, 3000u);
  out.take(4096);
  // Now the ring's start is 3000 bytes in: 2000 more bytes wrap around.
  in.put(std::string(1000, 'b') + std::string(1000, 'c'));
  ASSERT_EQ(fifo->fill_from(in.read_end, 4096).bytes, 2000u);
  EXPECT_EQ(view(*fifo, 3000, 2000), std::string(1000, 'b') + std::string(1000, 'c'));
  ASSERT_EQ(fifo->drain_to(out.write_end, 2000).bytes, 2000u);
  EXPECT_EQ(out.take(4096), std::string(1000, 'b') + std::string(1000, 'c'));
}

TEST(RingFifo, RemoveCutsBytesOutOfTheMiddle) {
  auto fifo = RingFifo::create(4096);
  ASSERT_TRUE(fifo);
  Pipe in, out;
  in.put("0123456789");
  ASSERT_EQ(fifo->fill_from(in.read_end, 100).bytes, 10u);
  fifo->remove(4, 3);  // drops "456"
  EXPECT_EQ(fifo->head(), 3u);
  EXPECT_EQ(view(*fifo, 3, 7), "0123789");
  ASSERT_EQ(fifo->drain_to(out.write_end, 100).bytes, 7u);
  EXPECT_EQ(out.take(100), "0123789");
}

TEST(RingFifo, ReportsFullEndOfStreamAndGoneReceiver) {
  ::signal(SIGPIPE, SIG_IGN);
  auto fifo = RingFifo::create(4096);
  ASSERT_TRUE(fifo);
  Pipe in, out;
  in.put(std::string(5000, 'x'));
  EXPECT_EQ(fifo->fill_from(in.read_end, 10000).bytes, 4096u);
  EXPECT_EQ(fifo->fill_from(in.read_end, 10000).status, IoResult::Status::full);
  EXPECT_EQ(fifo->discard(4096), 4096u);
  EXPECT_EQ(fifo->fill_from(in.read_end, 10000).bytes, 904u);
  EXPECT_EQ(fifo->fill_from(in.read_end, 10000).status, IoResult::Status::again);
  ::close(in.write_end);
  in.write_end = ::dup(0);
  EXPECT_EQ(fifo->fill_from(in.read_end, 10000).status, IoResult::Status::eof);
  ::close(out.read_end);
  out.read_end = ::dup(0);
  EXPECT_EQ(fifo->drain_to(out.write_end, 10).status, IoResult::Status::closed);
}

}  // namespace
}  // namespace qrexec_proxy
