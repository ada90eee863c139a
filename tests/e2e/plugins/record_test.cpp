// record end to end: each call's two directions land in files, whole and
// named as documented, and never beyond max_bytes.
#include "support/emulation.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& directory) {
  std::vector<fs::path> files;
  if (!fs::exists(directory)) return files;
  for (const auto& entry : fs::directory_iterator(directory)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

class Record : public ::testing::Test {
 protected:
  Record() {
    const std::string dir = (emulation.root() / "records").string();
    emulation.write_config(R"({
      "rec": {"plugins": ["record", "pass"], "config": {"record": {"dir": ")" +
                           dir + R"("}}},
      "small": {"plugins": ["record"], "config": {"record": {"dir": ")" +
                           dir + R"(", "max_bytes": 1000}}},
      "nowhere": {"plugins": ["record"], "config": {"record": {"dir": "/nonexistent/parent/records"}}}
    })");
  }
  fs::path records() const { return emulation.root() / "records"; }
  Emulation emulation;
};

TEST_F(Record, WritesBothDirectionsWholeToFilesNamedAfterTheCall) {
  const std::string data = random_bytes(3 * 1024 * 1024);
  ProcessOptions options;
  options.input = data;
  const ProcessResult result = emulation.call("qrexec-proxy+rec+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(result.out == data);
  const auto files = files_in(records());
  ASSERT_EQ(files.size(), 2u);
  const std::regex name(R"(\d{8}T\d{6}\.\d{6}Z\+rec\+)" + emulation.source() +
                        R"(\+dst\+\d+\.(src2dst|dst2src))");
  for (const auto& file : files)
    EXPECT_TRUE(std::regex_match(file.filename().string(), name)) << file;
  EXPECT_EQ(files[0].extension(), ".dst2src");
  EXPECT_EQ(files[1].extension(), ".src2dst");
  EXPECT_TRUE(read_file(files[0]) == data) << "the reply was not recorded whole";
  EXPECT_TRUE(read_file(files[1]) == data) << "the request was not recorded whole";

  // A second call gets files of its own.
  options.input = "second\n";
  EXPECT_EQ(emulation.call("qrexec-proxy+rec+dst+qrexec-mirror", options).exit_status, 0);
  EXPECT_EQ(files_in(records()).size(), 4u);
}

TEST_F(Record, StopsRecordingAtMaxBytesButNotTheCall) {
  const std::string data = random_bytes(5000);
  ProcessOptions options;
  options.input = data;
  const ProcessResult result = emulation.call("qrexec-proxy+small+dst+qrexec-mirror", options);
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_TRUE(result.out == data);
  const auto files = files_in(records());
  ASSERT_EQ(files.size(), 2u);
  const std::string reply = read_file(files[0]);
  const std::string request = read_file(files[1]);
  EXPECT_EQ(reply.size() + request.size(), 1000u);
  EXPECT_TRUE(data.starts_with(request));
  EXPECT_TRUE(data.starts_with(reply));
}

TEST_F(Record, FailsTheCallWhenItCannotRecord) {
  ProcessOptions options;
  options.input = "hello\n";
  const ProcessResult result =
      emulation.call("qrexec-proxy+nowhere+dst+test.Sink+nowhere", options);
  EXPECT_EQ(result.exit_status, 125);
  EXPECT_FALSE(fs::exists(emulation.output("nowhere"))) << "the destination was started";
}

}  // namespace
}  // namespace qrexec_proxy::test
