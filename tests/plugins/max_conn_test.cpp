#include "plugins/plugin_driver.hpp"
#include "support/null_context.hpp"
#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>

namespace qrexec_proxy::test {
namespace {

// One call: its own context (so its own held slots), in one state root.
struct FakeCall {
  FakeCall(const std::filesystem::path& state_root, const nlohmann::json& options,
           const std::string& source = "src")
      : context(state_root), plugin(make_plugin("max_conn", options)) {
    context.info.chain = "work";
    context.info.source = source;
  }
  Admission start() { return plugin->on_start(context); }

  NullContext context;
  std::unique_ptr<Plugin> plugin;
};

TEST(MaxConnPlugin, AdmitsUpToTheLimitUntilACallEnds) {
  TempDir state;
  auto first = std::make_unique<FakeCall>(state.path(), nlohmann::json{{"limit", 2}});
  FakeCall second(state.path(), {{"limit", 2}});
  FakeCall third(state.path(), {{"limit", 2}});
  EXPECT_EQ(first->start().kind(), Admission::Kind::admit);
  EXPECT_EQ(second.start().kind(), Admission::Kind::admit);
  const Admission refused = third.start();
  EXPECT_EQ(refused.kind(), Admission::Kind::refuse);
  EXPECT_EQ(refused.reason(), "max_conn: 2 calls of chain work already run");
  EXPECT_TRUE(std::filesystem::exists(state / "max_conn" / "work.slot0"));
  first.reset();  // the call ends: its slot is free
  EXPECT_EQ(third.start().kind(), Admission::Kind::admit);
}

TEST(MaxConnPlugin, ChainsDoNotShareSlots) {
  TempDir state;
  FakeCall work(state.path(), {{"limit", 1}});
  FakeCall other(state.path(), {{"limit", 1}});
  other.context.info.chain = "other";
  EXPECT_EQ(work.start().kind(), Admission::Kind::admit);
  EXPECT_EQ(other.start().kind(), Admission::Kind::admit);
}

TEST(MaxConnPlugin, PerSourceCountsEachCallingQubeApart) {
  TempDir state;
  const nlohmann::json options = {{"limit", 1}, {"per_source", true}};
  FakeCall a1(state.path(), options, "qube-a");
  FakeCall b1(state.path(), options, "qube-b");
  FakeCall a2(state.path(), options, "qube-a");
  EXPECT_EQ(a1.start().kind(), Admission::Kind::admit);
  EXPECT_EQ(b1.start().kind(), Admission::Kind::admit);
  const Admission refused = a2.start();
  EXPECT_EQ(refused.kind(), Admission::Kind::refuse);
  EXPECT_EQ(refused.reason(), "max_conn: 1 call of chain work from qube-a already runs");
  EXPECT_TRUE(std::filesystem::exists(state / "max_conn" / "work+qube-a.slot0"));
}

TEST(MaxConnPlugin, ARefusalAsksTheEngineToWaitTheRejectDelay) {
  TempDir state;
  const nlohmann::json options = {{"limit", 1}, {"reject_delay", 0.3}};
  FakeCall holder(state.path(), options);
  FakeCall refused(state.path(), options);
  const Admission admitted = holder.start();
  EXPECT_EQ(admitted.kind(), Admission::Kind::admit);
  EXPECT_EQ(admitted.delay(), Clock::duration::zero()) << "an admitted call does not wait";
  const Admission refusal = refused.start();
  EXPECT_EQ(refusal.kind(), Admission::Kind::refuse);
  EXPECT_EQ(refusal.delay(), std::chrono::milliseconds(300));
}

TEST(MaxConnPlugin, FailsClosedWhenTheStateCannotBeUsed) {
  TempDir dir;
  write_file(dir / "a-file", "");
  FakeCall call(dir / "a-file", {{"limit", 3}});
  const Admission admission = call.start();
  EXPECT_EQ(admission.kind(), Admission::Kind::fail);
  EXPECT_TRUE(admission.reason().starts_with("max_conn: cannot create")) << admission.reason();
}

TEST(MaxConnPlugin, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(option_error("max_conn", nullptr), "limit: required option is missing");
  EXPECT_EQ(option_error("max_conn", {{"limit", 0}}), "limit: must be between 1 and 1000, not 0");
  EXPECT_EQ(option_error("max_conn", {{"limit", 1}, {"reject_delay", 61}}),
            "reject_delay: must be between 0 and 60, not 61");
  EXPECT_EQ(option_error("max_conn", {{"limit", 1}, {"per_source", 1}}),
            "per_source: must be true or false, not number");
}

}  // namespace
}  // namespace qrexec_proxy::test
