// allow end to end: calls outside the chain's lists are refused before the
// destination starts.
#include "support/emulation.hpp"
#include "support/journal_query.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

class Allow : public ::testing::Test {
 protected:
  Allow() {
    emulation.write_config(R"({
      "files": {"plugins": ["allow"], "config": {"allow":
        {"sources": ["src-*"], "targets": ["d?t"], "services": ["test.Trace+ok*", "qrexec-mirror"]}}},
      "others": {"plugins": ["allow"], "config": {"allow": {"sources": ["work", "dev-*"]}}},
      "vault": {"plugins": ["allow"], "config": {"allow": {"targets": ["vault"]}}}
    })");
    // Leaves a trace of every start, named after its argument.
    emulation.add_service("dst", "test.Trace",
                          "#!/bin/sh\n: > \"$QREXEC_EMU_ROOT/dst/out/trace-$1\"\nexec cat\n");
  }
  ProcessResult call(const std::string& argument) {
    ProcessOptions options;
    options.input = "hello\n";
    return emulation.call("qrexec-proxy+" + argument, options);
  }
  bool traced(const std::string& argument) const {
    return fs::exists(emulation.output("trace-" + argument));
  }
  Emulation emulation;
};

TEST_F(Allow, LetsMatchingCallsThrough) {
  ProcessResult result = call("files+dst+test.Trace+ok1");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "hello\n");
  EXPECT_TRUE(traced("ok1"));
  result = call("files+dst+qrexec-mirror");
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "hello\n");
  EXPECT_EQ(call("vault+dst+qrexec-mirror").exit_status, 126);
}

TEST_F(Allow, RefusesAnotherServiceOrArgumentBeforeTheDestinationStarts) {
  ASSERT_TRUE(journal_running());
  for (const char* argument : {"no1", "xok"}) {
    const ProcessResult result = call(std::string("files+dst+test.Trace+") + argument);
    EXPECT_EQ(result.exit_status, 126);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, "");
    EXPECT_FALSE(traced(argument)) << "the destination was started";
  }
  const auto records =
      journal_records({"SOURCE=" + emulation.source(), "EVENT=summary", "OUTCOME=refused"}, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(field(records[0], "PLUGIN"), "allow");
  EXPECT_EQ(field(records[0], "REASON"), "allow: service test.Trace+no1 is not in services");
}

TEST_F(Allow, RefusesAnotherSourceOrTargetBeforeTheDestinationStarts) {
  EXPECT_EQ(call("others+dst+test.Trace+source").exit_status, 126);
  EXPECT_FALSE(traced("source"));
  EXPECT_EQ(call("vault+dst+test.Trace+target").exit_status, 126);
  EXPECT_FALSE(traced("target"));
}

}  // namespace
}  // namespace qrexec_proxy::test
