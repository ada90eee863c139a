#include "input/filecopy_stream.hpp"

#include "support/filecopy_builder.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qrexec_proxy::filecopy {
namespace {

using test::FilecopyStream;

std::span<const std::byte> as_bytes(const std::string& text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

// Parses a whole stream offered in chunks of `chunk` bytes, as the engine
// may offer it; returns the entries' "type path size" and the error, if any.
struct Parsed {
  std::vector<std::string> entries;
  std::string error;
  bool finished = false;
};
Parsed parse(const std::string& stream, std::size_t chunk) {
  Parsed parsed;
  StreamParser parser;
  std::string pending;
  std::size_t fed = 0;
  while (true) {
    const bool end_of_stream = fed == stream.size();
    const Step step = parser.next(as_bytes(pending), end_of_stream);
    if (step.kind == Step::Kind::malformed) {
      parsed.error = step.error;
      return parsed;
    }
    if (step.kind == Step::Kind::need_more) {
      if (end_of_stream) break;
      const std::size_t take = std::min(chunk, stream.size() - fed);
      pending += stream.substr(fed, take);
      fed += take;
      continue;
    }
    if (step.kind == Step::Kind::entry) {
      const Entry& entry = parser.entry();
      parsed.entries.push_back(std::string(to_string(entry.type)) + " " + entry.path + " " +
                               std::to_string(entry.size) +
                               (entry.link_target.empty() ? "" : " -> " + entry.link_target));
    }
    parser.consume(step, step.length);
    pending.erase(0, step.length);
  }
  parsed.finished = parser.finished();
  return parsed;
}

TEST(FilecopyStream, ParsesWhatQfileAgentSendsWhateverTheChunks) {
  const std::string stream = FilecopyStream()
                                 .directory("docs")
                                 .file("docs/a.pdf", std::string(5000, 'p'))
                                 .symlink("docs/link", "a.pdf")
                                 .file("docs/empty", "")
                                 .directory("docs")
                                 .end()
                                 .text();
  const std::vector<std::string> expected = {"dir docs 0", "file docs/a.pdf 5000",
                                             "symlink docs/link 5 -> a.pdf", "file docs/empty 0",
                                             "dir docs 0"};
  for (const std::size_t chunk : {1u, 7u, 32u, 100u, 100000u}) {
    const Parsed parsed = parse(stream, chunk);
    EXPECT_EQ(parsed.error, "") << chunk;
    EXPECT_EQ(parsed.entries, expected) << chunk;
    EXPECT_TRUE(parsed.finished) << chunk;
  }
}

TEST(FilecopyStream, RefusesWhatTheReceiverWouldNotCreate) {
  const auto error_of = [](const FilecopyStream& stream) { return parse(stream.text(), 64).error; };
  EXPECT_EQ(error_of(FilecopyStream().file("/etc/passwd", "x").end()), "an absolute path");
  EXPECT_EQ(error_of(FilecopyStream().file("a/../../b", "x").end()),
            "a \".\" or \"..\" path component");
  EXPECT_EQ(error_of(FilecopyStream().file("a//b", "x").end()), "an empty path component");
  EXPECT_EQ(error_of(FilecopyStream().file("a/", "x").end()), "an empty path component");
  EXPECT_EQ(error_of(FilecopyStream().file("new\nline", "x").end()),
            "a control character in the name");
  EXPECT_EQ(error_of(FilecopyStream().raw_header(3, 0100644, 0).bytes("a\0b").end()),
            "a NUL inside the name");
  EXPECT_EQ(error_of(FilecopyStream().raw_header(2, 0100644, 0).bytes("ab").end()),
            "a name without its terminating NUL");
  EXPECT_EQ(error_of(FilecopyStream().raw_header(20000, 0100644, 0)),
            "a name of 20000 bytes (at most 16383)");
  EXPECT_EQ(error_of(FilecopyStream().raw_header(2, 0020644, 0).bytes(std::string("d\0", 2))),
            "an entry that is no file, directory or symlink (mode 8612)");
  EXPECT_EQ(error_of(FilecopyStream().raw_header(2, 0040755, 4).bytes(std::string("d\0", 2))),
            "a directory with content");
  EXPECT_EQ(error_of(FilecopyStream().raw_header(2, 0120777, 0).bytes(std::string("l\0", 2))),
            "a symlink target of 0 bytes (1 to 16383)");
  EXPECT_EQ(error_of(FilecopyStream().symlink("l", std::string("a\0b", 3)).end()),
            "a NUL inside a symlink target");
}

TEST(FilecopyStream, AnEndThatComesTooEarlyOrBytesAfterTheEndAreMalformed) {
  const std::string whole = FilecopyStream().file("a", "content").end().text();
  EXPECT_EQ(parse(whole.substr(0, 10), 64).error, "the stream ended inside a header");
  EXPECT_EQ(parse(whole.substr(0, 33), 64).error, "the stream ended inside an entry's name");
  EXPECT_EQ(parse(whole.substr(0, 36), 64).error, "the stream ended inside a file's content");
  EXPECT_EQ(parse(whole.substr(0, whole.size() - 32), 64).error,
            "the stream ended without its end marker");
  EXPECT_EQ(parse(whole + "x", 64).error, "bytes after the end marker");
  EXPECT_EQ(parse(whole, 64).error, "");
}

TEST(FilecopyStream, TheAnswerRoundTrips) {
  const auto bytes = encode_result({17, 0xdeadbeef});
  const Result result = decode_result(bytes);
  EXPECT_EQ(result.error_code, 17u);
  EXPECT_EQ(result.crc32, 0xdeadbeefu);
}

}  // namespace
}  // namespace qrexec_proxy::filecopy
