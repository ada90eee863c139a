// load_config_for_call: a call checks the whole config once, stamps it, and
// then reads only its own chain until anything changes; whatever changes,
// a broken config still fails every call.
#include "config/config_stamp.hpp"
#include "config/config.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace qrexec_proxy {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::write_file;

class ConfigForCall : public ::testing::Test {
 protected:
  ConfigForCall() {
    fs::create_directories(plugins_);
    PluginRegistry::builtin().set_external_directories({plugins_});
  }
  ~ConfigForCall() override { PluginRegistry::builtin().set_external_directories({}); }

  // A config is stamped only once its files have not changed for 100 ms.
  static void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(150)); }

  Config load(std::string_view chain, const std::vector<fs::path>& locations) {
    // As each call is a new process, nothing loaded before may linger.
    PluginRegistry::builtin().set_external_directories({plugins_});
    return load_config_for_call(locations, PluginRegistry::builtin(), chain, {plugins_}, state_);
  }
  Config load(std::string_view chain) { return load(chain, {templates_}); }

  // Rewrites a file so that its identity surely changes (a new inode, and
  // times that differ even on coarse clocks).
  static void rewrite(const fs::path& file, const std::string& text) {
    const fs::path temporary = file.string() + ".new";
    write_file(temporary, text);
    fs::rename(temporary, file);
    settle();
  }

  TempDir dir_;
  fs::path templates_ = dir_ / "etc";
  fs::path local_ = dir_ / "local";
  fs::path plugins_ = dir_ / "plugins";
  fs::path state_ = dir_ / "state";
};

constexpr const char* kConfig = R"({
  "description": "two chains",
  "limit": {"plugins": ["byte_limit"], "config": {"byte_limit": {"src2dst_limit": 77}}},
  "other": {"plugins": ["pass", "timeout"], "config": {"1": {"src2dst_timeout": 3}}}
})";

TEST_F(ConfigForCall, TheFirstCallChecksEverythingAndLaterOnesOnlyTheirChain) {
  write_file(templates_ / "config.json", kConfig);
  settle();
  const Config first = load("limit");
  ASSERT_TRUE(first.valid());
  EXPECT_TRUE(first.whole);
  EXPECT_EQ(first.chains.size(), 2u);
  EXPECT_FALSE(read_valid_stamp(state_).empty());

  const Config later = load("limit");
  ASSERT_TRUE(later.valid());
  EXPECT_FALSE(later.whole);
  EXPECT_EQ(later.chains.size(), 1u);
  EXPECT_EQ(later.files, first.files);
  const ChainConfig* chain = later.find("limit");
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->file, templates_ / "config.json");
  ASSERT_EQ(chain->plugins.size(), 1u);
  EXPECT_EQ(chain->plugins[0].name, "byte_limit");
  EXPECT_EQ(chain->plugins[0].options.values(), first.find("limit")->plugins[0].options.values());
  EXPECT_EQ(chain->plugins[0].options.integer("src2dst_limit"), 77);

  const Config other = load("other");
  EXPECT_FALSE(other.whole);
  ASSERT_NE(other.find("other"), nullptr);
  EXPECT_EQ(other.find("other")->plugins[1].options.number("src2dst_timeout"), 3);
  EXPECT_EQ(other.find("limit"), nullptr);

  const Config unknown = load("nonexistent");
  EXPECT_TRUE(unknown.valid());
  EXPECT_FALSE(unknown.whole);
  EXPECT_TRUE(unknown.chains.empty());
}

TEST_F(ConfigForCall, AChangedFileIsCheckedWhole) {
  write_file(templates_ / "config.json", kConfig);
  settle();
  ASSERT_TRUE(load("limit").valid());
  ASSERT_FALSE(load("limit").whole);
  rewrite(templates_ / "config.json",
          R"({"limit": {"plugins": ["byte_limit"]}, "other": {"plugins": ["no_such_plugin"]}})");
  const Config broken = load("limit");
  EXPECT_TRUE(broken.whole);
  ASSERT_FALSE(broken.valid()) << "a call of a valid chain still fails closed";
  EXPECT_NE(broken.problems[0].format().find("chain other"), std::string::npos);
  EXPECT_FALSE(load("limit").valid()) << "and keeps failing";
  rewrite(templates_ / "config.json", kConfig);
  EXPECT_TRUE(load("limit").valid());
  EXPECT_FALSE(load("limit").whole);
}

TEST_F(ConfigForCall, ANewFileIsCheckedWhole) {
  write_file(templates_ / "config.json", kConfig);
  settle();
  ASSERT_TRUE(load("limit").valid());
  write_file(templates_ / "chains.d" / "more.json", R"({"more": {"plugins": ["pass"], "x": 1}})");
  const Config broken = load("limit");
  EXPECT_TRUE(broken.whole);
  EXPECT_FALSE(broken.valid());
}

TEST_F(ConfigForCall, AnExternalPluginThatGoesAwayIsNoticed) {
  fs::copy_file(QREXEC_PROXY_TEST_MASK_PLUGIN, plugins_ / "mask.so");
  write_file(templates_ / "config.json",
             R"({"limit": {"plugins": ["byte_limit"]}, "masked": {"plugins": ["mask"]}})");
  settle();
  ASSERT_TRUE(load("limit").valid());
  ASSERT_FALSE(load("limit").whole);
  fs::remove(plugins_ / "mask.so");
  const Config broken = load("limit");
  EXPECT_TRUE(broken.whole);
  ASSERT_FALSE(broken.valid());
  EXPECT_NE(broken.problems[0].format().find("chain masked"), std::string::npos);
}

TEST_F(ConfigForCall, AStampThatDoesNotMatchMeansAFullCheck) {
  write_file(templates_ / "config.json", kConfig);
  settle();
  ASSERT_TRUE(load("limit").valid());
  write_valid_stamp(state_, "qrexec-proxy config stamp 1\nsomething else\n");
  EXPECT_TRUE(load("limit").whole);
  EXPECT_FALSE(load("limit").whole) << "and the valid config is stamped again";
}

TEST_F(ConfigForCall, PerQubeChainsReplaceTemplateChainsOnTheQuickPathToo) {
  write_file(templates_ / "config.json", kConfig);
  write_file(local_ / "chains.d" / "mine.json",
             R"({"limit": {"plugins": ["byte_limit"], "config": {"0": {"src2dst_limit": 5}}}})");
  settle();
  const Config full = load("limit", {templates_, local_});
  ASSERT_TRUE(full.valid());
  const Config quick = load("limit", {templates_, local_});
  ASSERT_FALSE(quick.whole);
  const ChainConfig* chain = quick.find("limit");
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->plugins[0].options.integer("src2dst_limit"), 5);
  EXPECT_EQ(chain->file, local_ / "chains.d" / "mine.json");
  EXPECT_EQ(chain->replaced, full.find("limit")->replaced);
  EXPECT_EQ(chain->replaced, std::optional<fs::path>(templates_ / "config.json"));
}

TEST_F(ConfigForCall, AConfigChangedJustNowIsNotStampedYet) {
  write_file(templates_ / "config.json", kConfig);
  ASSERT_TRUE(load("limit").valid());
  EXPECT_TRUE(read_valid_stamp(state_).empty()) << "a second change in the same tick could hide";
  EXPECT_TRUE(load("limit").whole);
  settle();
  EXPECT_TRUE(load("limit").whole);
  EXPECT_FALSE(load("limit").whole);
}

TEST_F(ConfigForCall, NothingIsStampedWhenTheConfigIsBroken) {
  write_file(templates_ / "config.json", R"({"limit": {"plugins": ["byte_limit"]},})");
  EXPECT_FALSE(load("limit").valid());
  EXPECT_TRUE(read_valid_stamp(state_).empty());
  EXPECT_FALSE(load("limit").valid());
}

TEST(ConfigStamp, NamesEveryFileWithItsIdentity) {
  TempDir dir;
  write_file(dir / "a.json", "{}");
  write_file(dir / "plugins" / "x.so", "not really");
  const auto stamp = config_stamp({dir / "a.json"}, {dir / "plugins", dir / "absent"});
  ASSERT_TRUE(stamp.has_value());
  ASSERT_EQ(stamp->file_identities.size(), 1u);
  EXPECT_EQ(stamp->file_identities[0], file_identity(dir / "a.json"));
  EXPECT_NE(stamp->text.find((dir / "a.json").string()), std::string::npos);
  EXPECT_NE(stamp->text.find((dir / "plugins" / "x.so").string()), std::string::npos);
  EXPECT_FALSE(config_stamp({dir / "missing.json"}, {}).has_value());
}

}  // namespace
}  // namespace qrexec_proxy
