#include "input/filecopy_stream.hpp"
#include "plugins/plugin_driver.hpp"
#include "support/filecopy_builder.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

namespace qrexec_proxy {
namespace {

using test::FilecopyStream;

// The records that name a file, in order: "TYPE PATH SIZE [SHA256]".
std::vector<std::string> file_records(const test::NullContext& context) {
  std::vector<std::string> files;
  for (const auto& record : context.records) {
    if (record.field("FILE_PATH") == "(missing)") continue;
    std::string line = record.field("FILE_TYPE") + " " + record.field("FILE_PATH") + " " +
                       record.field("FILE_SIZE");
    if (record.field("FILE_SHA256") != "(missing)") line += " " + record.field("FILE_SHA256");
    files.push_back(line);
  }
  return files;
}

struct Copy {
  explicit Copy(const nlohmann::json& options)
      : plugin(test::make_plugin("filecopy", options)),
        src2dst(*plugin, context, Direction::src2dst),
        dst2src(*plugin, context, Direction::dst2src) {
    admission = plugin->on_start(context).kind();
  }
  void send(const std::string& stream, std::size_t chunk = 1000) {
    for (std::size_t at = 0; at < stream.size(); at += chunk)
      src2dst.feed(stream.substr(at, chunk));
    src2dst.end();
  }
  test::NullContext context;
  std::unique_ptr<Plugin> plugin;
  test::DirectionDriver src2dst;
  test::DirectionDriver dst2src;
  Admission::Kind admission;
};

const std::string kHelloSha256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

TEST(Filecopy, PassesACopyWholeAndRecordsEachEntryOnce) {
  Copy copy(nlohmann::json{{"hash", "sha256"}});
  const std::string stream = FilecopyStream()
                                 .directory("docs")
                                 .file("docs/hello.txt", "hello")
                                 .symlink("docs/link", "hello.txt")
                                 .directory("docs")
                                 .end()
                                 .text();
  copy.send(stream, 7);
  EXPECT_FALSE(copy.context.aborted);
  EXPECT_TRUE(copy.src2dst.output() == stream);
  EXPECT_EQ(file_records(copy.context),
            (std::vector<std::string>{"dir docs 0", "file docs/hello.txt 5 " + kHelloSha256,
                                      "symlink docs/link 9"}))
      << "the directory sent again after its contents is no second entry";
  const auto& summary = copy.context.records.back();
  EXPECT_EQ(summary.field("FILECOPY_FILES"), "1");
  EXPECT_EQ(summary.field("FILECOPY_DIRECTORIES"), "1");
  EXPECT_EQ(summary.field("FILECOPY_SYMLINKS"), "1");
  EXPECT_EQ(summary.field("FILECOPY_BYTES"), "5");
}

TEST(Filecopy, RecordsAtMostMaxFileRecordsEntriesAndCountsTheRest) {
  const std::string stream =
      FilecopyStream().file("a", "1").file("b", "22").file("c", "333").end().text();
  Copy two(nlohmann::json{{"hash", "sha256"}, {"max_file_records", 2}});
  two.send(stream);
  EXPECT_TRUE(two.src2dst.output() == stream);
  EXPECT_EQ(file_records(two.context),
            (std::vector<std::string>{
                "file a 1 6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b",
                "file b 2 785f3ec7eb32f30b90cd0fcf3657d388b5ff4297f2f9716ff66e9b69c05ddd09"}));
  EXPECT_EQ(two.context.records.back().field("FILECOPY_FILES"), "3");
  EXPECT_EQ(two.context.records.back().field("FILECOPY_BYTES"), "6");
  EXPECT_EQ(two.context.records.back().field("FILECOPY_RECORDS_LEFT_OUT"), "1");
  EXPECT_NE(two.context.records.back().message.find("1 entries not recorded one by one"),
            std::string::npos);

  Copy none(nlohmann::json{{"max_file_records", 0}});
  none.send(stream);
  EXPECT_TRUE(none.src2dst.output() == stream);
  EXPECT_TRUE(file_records(none.context).empty());
  EXPECT_EQ(none.context.records.back().field("FILECOPY_RECORDS_LEFT_OUT"), "3");
}

TEST(Filecopy, NotOneByteOfARefusedEntryReachesTheDestination) {
  Copy copy(nlohmann::json{{"deny", {"*.exe"}}});
  const std::string allowed = FilecopyStream().file("a.txt", "fine").text();
  copy.send(allowed + FilecopyStream().file("dir/tool.exe", "MZ...").end().text(), 3);
  ASSERT_TRUE(copy.context.aborted);
  EXPECT_EQ(*copy.context.aborted, "filecopy: refused file dir/tool.exe: denied by \"*.exe\"");
  EXPECT_TRUE(copy.src2dst.output() == allowed) << "only the allowed entry went on";
}

TEST(Filecopy, AllowGlobsApplyToFilesNotToDirectories) {
  Copy copy(nlohmann::json{{"allow", {"*.pdf", "*.png"}}});
  copy.send(FilecopyStream()
                .directory("scans")
                .file("scans/a.pdf", "%PDF")
                .file("scans/b.png", "PNG")
                .directory("scans")
                .end()
                .text());
  EXPECT_FALSE(copy.context.aborted);
  Copy refused(nlohmann::json{{"allow", {"*.pdf"}}});
  refused.send(FilecopyStream().file("notes.txt", "x").end().text());
  ASSERT_TRUE(refused.context.aborted);
  EXPECT_EQ(*refused.context.aborted, "filecopy: refused file notes.txt: matches no allow glob");
}

TEST(Filecopy, LimitsCountEntriesAndBytes) {
  const auto refusal = [](const nlohmann::json& options, const FilecopyStream& stream) {
    Copy copy(options);
    copy.send(stream.text());
    return copy.context.aborted.value_or("");
  };
  const FilecopyStream two_files =
      FilecopyStream().directory("d").file("d/a", "1234").file("d/b", "5678").directory("d").end();
  EXPECT_EQ(refusal({{"max_files", 3}}, two_files), "");
  EXPECT_EQ(refusal({{"max_files", 2}}, two_files),
            "filecopy: refused file d/b: more than max_files (2) entries");
  EXPECT_EQ(refusal({{"max_total_bytes", 8}}, two_files), "");
  EXPECT_EQ(refusal({{"max_total_bytes", 7}}, two_files),
            "filecopy: refused file d/b: the copy would exceed max_total_bytes (7)");
  EXPECT_EQ(refusal({{"max_file_bytes", 3}}, two_files),
            "filecopy: refused file d/a: 4 bytes, over max_file_bytes (3)");
  EXPECT_EQ(
      refusal({{"types", {"file", "dir"}}}, FilecopyStream().symlink("l", "/etc/shadow").end()),
      "filecopy: refused symlink l: symlink entries are not allowed");
}

TEST(Filecopy, AMalformedStreamAbortsTheCall) {
  Copy copy(nullptr);
  copy.send(FilecopyStream().file("../escape", "x").end().text());
  ASSERT_TRUE(copy.context.aborted);
  EXPECT_EQ(*copy.context.aborted,
            "filecopy: malformed stream after 0 entries: a \".\" or \"..\" path component");
  EXPECT_EQ(copy.src2dst.output(), "");

  Copy truncated(nullptr);
  truncated.send(FilecopyStream().file("a", "x").text());
  ASSERT_TRUE(truncated.context.aborted);
  EXPECT_EQ(*truncated.context.aborted,
            "filecopy: the stream ended without its end marker after 1 entries");
}

TEST(Filecopy, TheReceiversAnswerIsRecordedAndPassedOn) {
  Copy copy(nullptr);
  copy.send(FilecopyStream().file("a", "x").end().text());
  const auto answer = filecopy::encode_result({17, 0});
  copy.dst2src.feed(std::string(reinterpret_cast<const char*>(answer.data()), 10));
  EXPECT_EQ(copy.dst2src.output(), "") << "held until the answer is whole";
  copy.dst2src.feed(std::string(reinterpret_cast<const char*>(answer.data()) + 10, 6));
  EXPECT_EQ(copy.dst2src.output().size(), 16u);
  EXPECT_EQ(copy.context.records.back().field("FILECOPY_RESULT"), "17");
  EXPECT_EQ(copy.context.records.back().message,
            "filecopy: the receiver answered error 17 (File exists)");
}

TEST(Filecopy, OneWayAnswersTheSenderItselfOnceTheDestinationHasEverything) {
  Copy copy(nlohmann::json{{"one_way", true}});
  EXPECT_EQ(copy.admission, Admission::Kind::admit);
  EXPECT_TRUE(copy.context.paused[index_of(Direction::dst2src)])
      << "the sender's input stays open and empty";
  const std::string stream = FilecopyStream().file("a", "payload").end().text();
  copy.send(stream, 5);
  EXPECT_TRUE(copy.src2dst.output() == stream);
  EXPECT_EQ(copy.context.drained_requests, std::vector<Direction>{Direction::src2dst});
  EXPECT_EQ(copy.context.injected[index_of(Direction::dst2src)], "") << "not before the drain";

  copy.plugin->on_drained(copy.context, Direction::src2dst);
  const std::string& answer = copy.context.injected[index_of(Direction::dst2src)];
  ASSERT_EQ(answer.size(), 16u);
  const auto result = filecopy::decode_result(
      std::span<const std::byte, 16>(reinterpret_cast<const std::byte*>(answer.data()), 16));
  EXPECT_EQ(result.error_code, 0u);
  EXPECT_EQ(result.crc32, ::crc32(0, reinterpret_cast<const Bytef*>(stream.data()),
                                  static_cast<uInt>(stream.size())));
  EXPECT_FALSE(copy.context.paused[index_of(Direction::dst2src)]);

  // The receiver's own answer is recorded and dropped.
  const auto theirs = filecopy::encode_result({28, 0});
  copy.dst2src.feed(std::string(reinterpret_cast<const char*>(theirs.data()), 16));
  EXPECT_EQ(copy.dst2src.output(), "");
  EXPECT_EQ(copy.dst2src.dropped(), 16u);
  EXPECT_EQ(copy.context.records.back().field("FILECOPY_RESULT"), "28");
}

TEST(Filecopy, OptionsAreCheckedAtLoad) {
  EXPECT_EQ(test::option_error("filecopy", {{"types", {"file", "fifo"}}}),
            "types: \"fifo\" is none of file, dir, symlink");
  EXPECT_EQ(test::option_error("filecopy", {{"types", nlohmann::json::array()}}),
            "types: must name at least one of file, dir, symlink");
  EXPECT_EQ(test::option_error("filecopy", {{"allow", {""}}}),
            "allow: an empty glob matches nothing; remove it");
  EXPECT_EQ(test::option_error("filecopy", {{"hash", "md5"}}).substr(0, 6), "hash: ");
  EXPECT_EQ(test::option_error("filecopy", {{"max_files", -2}}).substr(0, 11), "max_files: ");
  EXPECT_EQ(test::option_error("filecopy", {{"one_way", true}, {"hash", "sha256"}}), "");
}

}  // namespace
}  // namespace qrexec_proxy
