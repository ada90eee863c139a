#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <regex>

#include <sys/stat.h>
#include <unistd.h>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(directory)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(RecordPlugin, WritesEachDirectionToItsOwnNamedFile) {
  TempDir dir;
  auto plugin = make_plugin("record", {{"dir", (dir / "calls").string()}});
  for (const Direction direction : kBothDirections) {
    EXPECT_TRUE(plugin->needs(direction).reads_bytes);
    EXPECT_FALSE(plugin->needs(direction).drops_bytes);
  }
  NullContext context;
  context.info = {"work-chain", "src-qube", "dst_qube", "my.Service+arg"};
  ASSERT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  DirectionDriver up(*plugin, context, Direction::src2dst);
  DirectionDriver down(*plugin, context, Direction::dst2src);
  const std::string request = random_bytes(100000);
  const std::string reply = random_bytes(3000);
  up.feed(request.substr(0, 1));
  down.feed(reply.substr(0, 2000));
  up.feed(request.substr(1));
  down.feed(reply.substr(2000));
  up.end();
  down.end();
  EXPECT_TRUE(up.output() == request);
  EXPECT_TRUE(down.output() == reply);

  const auto files = files_in(dir / "calls");
  ASSERT_EQ(files.size(), 2u);
  // TIME+CHAIN+SOURCE+TARGET+PID.DIRECTION, TIME in UTC to the microsecond.
  const std::regex name(R"(\d{8}T\d{6}\.\d{6}Z\+work-chain\+src-qube\+dst_qube\+)" +
                        std::to_string(::getpid()) + R"(\.(dst2src|src2dst))");
  for (const auto& file : files) {
    EXPECT_TRUE(std::regex_match(file.filename().string(), name)) << file;
    struct stat info {};
    ASSERT_EQ(::stat(file.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 07777, 0600u) << file;
  }
  EXPECT_EQ(files[0].extension(), ".dst2src");
  EXPECT_EQ(files[1].extension(), ".src2dst");
  EXPECT_EQ(files[0].stem(), files[1].stem());
  EXPECT_TRUE(read_file(files[0]) == reply);
  EXPECT_TRUE(read_file(files[1]) == request);
  // The directory was made for the records, for the service's user alone.
  struct stat info {};
  ASSERT_EQ(::stat((dir / "calls").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0700u);
}

TEST(RecordPlugin, StopsAtMaxBytesForBothDirectionsTogetherAndSaysSoOnce) {
  TempDir dir;
  auto plugin = make_plugin("record", {{"dir", dir.path().string()}, {"max_bytes", 1000}});
  NullContext context;
  ASSERT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  DirectionDriver up(*plugin, context, Direction::src2dst);
  DirectionDriver down(*plugin, context, Direction::dst2src);
  up.feed(std::string(600, 'u'));
  down.feed(std::string(300, 'd'));
  up.feed(std::string(600, 'U'));  // 100 of these fit
  down.feed(std::string(50, 'x'));
  up.end();
  down.end();
  // The call itself is not cut short.
  EXPECT_EQ(up.output().size(), 1200u);
  EXPECT_EQ(down.output().size(), 350u);
  const auto files = files_in(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(read_file(files[0]), std::string(300, 'd'));
  EXPECT_EQ(read_file(files[1]), std::string(600, 'u') + std::string(100, 'U'));
  ASSERT_EQ(context.records.size(), 1u);
  EXPECT_EQ(context.records[0].message,
            "record: max_bytes reached, the rest of the call is not recorded");
}

TEST(RecordPlugin, ZeroMaxBytesRecordsEmptyFiles) {
  TempDir dir;
  auto plugin = make_plugin("record", {{"dir", dir.path().string()}, {"max_bytes", 0}});
  NullContext context;
  ASSERT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  DirectionDriver up(*plugin, context, Direction::src2dst);
  up.feed("hello");
  up.end();
  EXPECT_EQ(up.output(), "hello");
  for (const auto& file : files_in(dir.path())) EXPECT_EQ(read_file(file), "");
}

TEST(RecordPlugin, FailsTheCallWhenTheFilesCannotBeCreated) {
  TempDir dir;
  auto plugin = make_plugin("record", {{"dir", (dir / "missing" / "calls").string()}});
  NullContext context;
  const Admission admission = plugin->on_start(context);
  EXPECT_EQ(admission.kind(), Admission::Kind::fail);
  EXPECT_TRUE(admission.reason().starts_with("record: cannot create")) << admission.reason();
}

TEST(RecordPlugin, AbortsTheCallWhenAFileCannotBeWritten) {
  TempDir dir;
  auto plugin = make_plugin("record", {{"dir", dir.path().string()}});
  NullContext context;
  ASSERT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  context.files.close(0);  // the src2dst file, made first: writing to it now fails
  std::string bytes = "hello";
  const Verdict verdict =
      plugin->on_data(context, {Direction::src2dst,
                                bytes.size(),
                                {reinterpret_cast<std::byte*>(bytes.data()), bytes.size()},
                                false});
  ASSERT_TRUE(context.aborted);
  EXPECT_EQ(*context.aborted, "record: cannot write src2dst: Bad file descriptor");
  // Should the call go on all the same, the direction is not held up.
  EXPECT_EQ(verdict.kind(), Verdict::Kind::pass);
  EXPECT_EQ(verdict.count(), bytes.size());
  context.aborted.reset();
  EXPECT_EQ(plugin
                ->on_data(context, {Direction::src2dst,
                                    bytes.size(),
                                    {reinterpret_cast<std::byte*>(bytes.data()), bytes.size()},
                                    false})
                .count(),
            bytes.size());
  EXPECT_FALSE(context.aborted);
}

TEST(RecordPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("record", nullptr), "dir: required option is missing");
  EXPECT_EQ(option_error("record", {{"dir", "records"}}),
            "dir: must be an absolute path, not \"records\"");
  EXPECT_EQ(option_error("record", {{"dir", ""}}), "dir: must be an absolute path, not \"\"");
  EXPECT_EQ(option_error("record", {{"dir", "/r"}, {"max_bytes", -2}}),
            "max_bytes: must be at least 0 (or -1 for no limit), not -2");
  EXPECT_EQ(option_error("record", {{"dir", "/r"}, {"max_bytes", -1}}), "");
}

}  // namespace
}  // namespace qrexec_proxy::test
