// open_in_vm end to end: a qvm-open-in-vm sender and a receiver that keep
// to qopen-in-vm's and vm-file-editor's header and habits
// (tests/e2e/services/qopen-sender, test.OpenInVM).
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kChains = R"({
  "open": {"plugins": ["open_in_vm"], "config": {"open_in_vm": {"hash": "sha256"}}},
  "view": {"plugins": ["open_in_vm"],
           "config": {"open_in_vm": {"allow": ["*.pdf"], "max_file_bytes": 100000,
                                     "view_only": true}}}
})";

class OpenInVmEndToEnd : public ::testing::Test {
 protected:
  OpenInVmEndToEnd() { emulation.write_config(kChains); }

  // qvm-open-in-vm FILE through CHAIN: what the sender saw come back.
  std::string open(const std::string& chain, const fs::path& file, bool view_only = false,
                   ProcessResult* call = nullptr) {
    std::vector<std::string> program = {test_program("qopen-sender").string()};
    if (view_only) program.push_back("--view-only");
    program.push_back(file.string());
    auto run = emulation.call_with_sender("proxy", "qrexec-proxy+" + chain + "+dst+test.OpenInVM",
                                          program, "QOPEN_SENDER_STATUS");
    if (call != nullptr) *call = std::move(run.call);
    return run.status;
  }
  fs::path opened(const std::string& name) const {
    return emulation.root() / "dst" / "out" / "opened" / name;
  }

  Emulation emulation;
  TempDir files;
};

TEST_F(OpenInVmEndToEnd, TheFileIsOpenedRecordedAndTheEditComesBack) {
  write_file(files / "report.odt", "draft");
  ProcessResult call;
  EXPECT_EQ(open("open", files / "report.odt", false, &call), "returned 14");
  EXPECT_EQ(call.exit_status, 0);
  EXPECT_EQ(read_file(opened("report.odt")), "draft");
  EXPECT_EQ(read_file(files / "report.odt"), "draft (edited)");
  ASSERT_TRUE(journal_running());
  const auto records = journal_records(
      {"SOURCE=" + emulation.source(), "PLUGIN=open_in_vm", "FILE_PATH=report.odt"});
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(field(records[0], "FILE_SIZE"), "5");
  EXPECT_EQ(field(records[0], "FILE_SHA256").size(), 64u);
}

TEST_F(OpenInVmEndToEnd, ViewOnlyTellsTheReceiverAndNothingComesBack) {
  write_file(files / "invoice.pdf", "%PDF-1.7 invoice");
  ProcessResult call;
  EXPECT_EQ(open("view", files / "invoice.pdf", false, &call), "returned 0");
  EXPECT_EQ(call.exit_status, 0);
  // The receiver got the name with the view-only prefix, so it kept the file
  // under that name and sent nothing back.
  EXPECT_EQ(read_file(opened("view-only-invoice.pdf")), "%PDF-1.7 invoice");
  EXPECT_EQ(read_file(files / "invoice.pdf"), "%PDF-1.7 invoice");
}

TEST_F(OpenInVmEndToEnd, AFileThatMayNotPassNeverReachesTheDestination) {
  write_file(files / "run.sh", "rm -rf ~");
  ProcessResult call;
  open("view", files / "run.sh", false, &call);
  EXPECT_EQ(call.exit_status, 124);
  EXPECT_FALSE(fs::exists(opened("run.sh")));
  EXPECT_FALSE(fs::exists(opened("view-only-run.sh")));
  ASSERT_TRUE(journal_running());
  const auto summary =
      journal_records({"SOURCE=" + emulation.source(), "CHAIN=view", "EVENT=summary"});
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(field(summary[0], "REASON"), "open_in_vm: refused run.sh: matches no allow glob");
}

}  // namespace
}  // namespace qrexec_proxy::test
