#include "input/open_in_vm_header.hpp"
#include "plugins/plugin_driver.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

std::string header(const std::string& name) {
  std::string text = name;
  text.resize(open_in_vm::kHeaderSize, '\0');
  return text;
}

TEST(OpenInVm, PassesTheNameAndTheFileAndRecordsThem) {
  test::NullContext context;
  const auto plugin = test::make_plugin("open_in_vm", {{"hash", "sha256"}});
  EXPECT_EQ(plugin->on_start(context).kind(), Admission::Kind::admit);
  test::DirectionDriver src2dst(*plugin, context, Direction::src2dst);
  src2dst.feed(header("notes.txt").substr(0, 100));
  EXPECT_EQ(src2dst.output(), "") << "the header is held until whole";
  src2dst.feed(header("notes.txt").substr(100) + "hel");
  src2dst.feed("lo");
  src2dst.end();
  EXPECT_TRUE(src2dst.output() == header("notes.txt") + "hello");
  ASSERT_FALSE(context.records.empty());
  const auto& record = context.records.back();
  EXPECT_EQ(record.message, "opened notes.txt (file, 5 bytes)");
  EXPECT_EQ(
      record.fields.back(),
      (std::pair<std::string, std::string>{
          "FILE_SHA256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}));
}

TEST(OpenInVm, RefusesByNameBeforeAByteAndBySizeAsItPasses) {
  test::NullContext by_name;
  const auto plugin = test::make_plugin("open_in_vm", {{"deny", {"*.exe"}}});
  test::DirectionDriver driver(*plugin, by_name, Direction::src2dst);
  driver.feed(header("setup.exe") + "MZ");
  EXPECT_EQ(by_name.aborted, "open_in_vm: refused setup.exe: denied by \"*.exe\"");
  EXPECT_EQ(driver.output(), "");

  test::NullContext by_size;
  const auto small = test::make_plugin("open_in_vm", {{"max_file_bytes", 4}});
  test::DirectionDriver sized(*small, by_size, Direction::src2dst);
  sized.feed(header("a.txt") + "1234");
  EXPECT_FALSE(by_size.aborted);
  sized.feed("5");
  EXPECT_EQ(by_size.aborted, "open_in_vm: refused a.txt: 5 bytes, over max_file_bytes (4)");
}

TEST(OpenInVm, ViewOnlyReplacesTheHeaderAndCutsTheWayBack) {
  test::NullContext context;
  const auto plugin = test::make_plugin("open_in_vm", {{"view_only", true}});
  plugin->on_start(context);
  EXPECT_EQ(context.cuts, std::vector<Direction>{Direction::dst2src});
  test::DirectionDriver src2dst(*plugin, context, Direction::src2dst);
  src2dst.feed(header("a.pdf") + "%PDF");
  src2dst.end();
  EXPECT_EQ(context.injected[index_of(Direction::src2dst)], header("view-only-a.pdf"));
  EXPECT_EQ(src2dst.dropped(), open_in_vm::kHeaderSize) << "the sender's header";
  EXPECT_EQ(src2dst.output(), "%PDF");
  EXPECT_EQ(context.records.back().message, "opened view-only a.pdf (file, 4 bytes)");
}

}  // namespace
}  // namespace qrexec_proxy
