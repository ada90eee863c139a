#include "input/open_in_vm_header.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace qrexec_proxy::open_in_vm {
namespace {

ParsedHeader parse(const std::string& name) {
  std::array<std::byte, kHeaderSize> bytes{};
  std::memcpy(bytes.data(), name.data(), std::min(name.size(), bytes.size()));
  return parse_header(bytes);
}

TEST(OpenInVmHeader, ReadsTheNameAsTheReceiverDoes) {
  const ParsedHeader plain = parse("report.odt");
  ASSERT_TRUE(plain.header);
  EXPECT_EQ(plain.header->name, "report.odt");
  EXPECT_FALSE(plain.header->view_only);
  const ParsedHeader view = parse("view-only-a.pdf");
  ASSERT_TRUE(view.header);
  EXPECT_EQ(view.header->name, "a.pdf");
  EXPECT_TRUE(view.header->view_only);
  // The last byte is no part of the name, whatever the sender put there.
  const ParsedHeader full = parse(std::string(256, 'x'));
  ASSERT_TRUE(full.header);
  EXPECT_EQ(full.header->name, std::string(255, 'x'));
}

TEST(OpenInVmHeader, RefusesNamesThatAreNoPlainFileName) {
  EXPECT_EQ(parse("").error, "an empty name");
  EXPECT_EQ(parse("../x").error, "a '/' in the name");
  EXPECT_EQ(parse("..").error, "a \".\" or \"..\" path component");
  EXPECT_EQ(parse("a\tb").error, "a control character in the name");
  EXPECT_EQ(parse("view-only-").error, "an empty name");
}

TEST(OpenInVmHeader, EncodingKeepsThePrefixAndTheNamesEnd) {
  const auto bytes = encode_header({std::string(300, 'n') + ".pdf", true});
  const ParsedHeader parsed = parse_header(bytes);
  ASSERT_TRUE(parsed.header);
  EXPECT_TRUE(parsed.header->view_only);
  EXPECT_EQ(parsed.header->name.size(), 255u - kViewOnlyPrefix.size());
  EXPECT_TRUE(parsed.header->name.ends_with(".pdf"));
}

}  // namespace
}  // namespace qrexec_proxy::open_in_vm
