// filecopy end to end: a qvm-copy sender and a qfile-unpacker receiver that
// keep to qfile-agent's and qfile-unpacker's byte formats and habits
// (tests/e2e/services/qfile-sender, test.Filecopy), through the installed
// service.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChains = R"({
  "copy": {"plugins": ["filecopy"], "config": {"filecopy": {"hash": "sha256"}}},
  "vault": {"plugins": ["filecopy"],
            "config": {"filecopy": {"allow": ["*.pdf", "*.png"], "one_way": true}}},
  "generic-one-way": {"plugins": ["stop_dst"]}
})";

class FilecopyEndToEnd : public ::testing::Test {
 protected:
  FilecopyEndToEnd() {
    emulation.write_config(kChains);
    fs::create_directories(files / "scans");
    write_file(files / "scans" / "a.pdf", "%PDF-1.7 " + random_bytes(300000));
    write_file(files / "scans" / "b.png", "\x89PNG" + random_bytes(1000));
    fs::create_symlink("a.pdf", files / "scans" / "latest.pdf");
  }

  // qvm-copy SOURCE_PATH through CHAIN: the sender's outcome and the call's.
  std::string copy(const std::string& chain, const fs::path& what, ProcessResult* call = nullptr) {
    auto run = emulation.call_with_sender("proxy", "qrexec-proxy+" + chain + "+dst+test.Filecopy",
                                          {test_program("qfile-sender").string(), what.string()},
                                          "QFILE_SENDER_STATUS");
    if (call != nullptr) *call = std::move(run.call);
    return run.status;
  }
  fs::path received(const std::string& path) const {
    return emulation.root() / "dst" / "out" / "incoming" / path;
  }

  Emulation emulation;
  TempDir source_files;
  fs::path files = source_files.path();
};

TEST_F(FilecopyEndToEnd, ACopyArrivesWholeAndEveryFileIsRecorded) {
  ProcessResult call;
  EXPECT_EQ(copy("copy", files / "scans", &call), "ok");
  EXPECT_EQ(call.exit_status, 0);
  EXPECT_EQ(call.err, "");
  EXPECT_TRUE(read_file(received("scans/a.pdf")) == read_file(files / "scans" / "a.pdf"));
  EXPECT_TRUE(read_file(received("scans/b.png")) == read_file(files / "scans" / "b.png"));
  EXPECT_EQ(fs::read_symlink(received("scans/latest.pdf")), "a.pdf");

  ASSERT_TRUE(journal_running());
  const auto records = journal_records({"SOURCE=" + emulation.source(), "PLUGIN=filecopy"});
  std::vector<std::string> paths;
  for (const auto& record : records)
    if (!field(record, "FILE_PATH").empty()) paths.push_back(field(record, "FILE_PATH"));
  EXPECT_EQ(paths,
            (std::vector<std::string>{"scans", "scans/a.pdf", "scans/b.png", "scans/latest.pdf"}));
  for (const auto& record : records) {
    if (field(record, "FILE_PATH") == "scans/b.png") {
      EXPECT_EQ(field(record, "FILE_SHA256").size(), 64u);
    }
  }

  // qrexec-proxy-admin log --files shows the call's files.
  const ProcessResult log =
      emulation.admin({"log", "--files", "--json", "--source", emulation.source()});
  ASSERT_EQ(log.exit_status, 0) << log.err;
  const auto calls = nlohmann::json::parse(log.out);
  ASSERT_EQ(calls.size(), 1u);
  const auto& files_seen = calls[0]["files"];
  ASSERT_EQ(files_seen.size(), 4u);
  EXPECT_EQ(files_seen[1]["path"], "scans/a.pdf");
  EXPECT_EQ(files_seen[1]["type"], "file");
  EXPECT_EQ(files_seen[1]["size"], 300009);
  EXPECT_EQ(files_seen[1]["sha256"].get<std::string>().size(), 64u);
  const ProcessResult text = emulation.admin({"log", "--files", "--source", emulation.source()});
  EXPECT_NE(text.out.find("  symlink scans/latest.pdf 5 bytes"), std::string::npos) << text.out;
}

TEST_F(FilecopyEndToEnd, AGenericOneWayChainBreaksTheCopyAndFilecopysOneWayDoesNot) {
  // The sender's input ends while it still sends: it gives up before its
  // end marker, and the receiver fails without one.
  ProcessResult broken;
  EXPECT_EQ(copy("generic-one-way", files / "scans", &broken), "input ended early");
  EXPECT_NE(broken.exit_status, 0);

  // filecopy answers the sender itself once the destination has it all.
  ProcessResult call;
  EXPECT_EQ(copy("vault", files / "scans", &call), "ok");
  EXPECT_EQ(call.exit_status, 0);
  EXPECT_TRUE(read_file(received("scans/a.pdf")) == read_file(files / "scans" / "a.pdf"));
  ASSERT_TRUE(journal_running());
  const auto summary =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=vault", "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "completed");
  // The receiver answered 16 bytes; none of them reached the sender.
  EXPECT_EQ(field(summary[0], "DST2SRC_RECEIVED"), "16");
  const auto answers =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=vault", "FILECOPY_RESULT=0"});
  EXPECT_EQ(answers.size(), 1u);
}

TEST_F(FilecopyEndToEnd, ARefusedFileNeverReachesTheDestination) {
  write_file(files / "scans" / "tool.exe", "MZ");
  ProcessResult call;
  EXPECT_NE(copy("vault", files / "scans", &call), "ok");
  EXPECT_EQ(call.exit_status, 124);
  EXPECT_FALSE(fs::exists(received("scans/tool.exe")));
  ASSERT_TRUE(journal_running());
  const auto summary =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=vault", "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "OUTCOME"), "aborted");
  EXPECT_EQ(field(summary[0], "REASON"),
            "filecopy: refused file scans/tool.exe: matches no allow glob");
}

}  // namespace
}  // namespace qrexec_proxy::test
