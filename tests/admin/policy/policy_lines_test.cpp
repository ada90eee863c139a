#include "admin/policy/policy_lines.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy::admin {
namespace {

PolicyRequest request() {
  return {"timeout", "src", "dst", "qrexec-mirror", "proxy"};
}

TEST(PolicyLines, TheTwoLinesOfTheReadme) {
  const PolicyLines policy = make_policy_lines(request());
  ASSERT_EQ(policy.error, "");
  ASSERT_EQ(policy.lines.size(), 2U);
  EXPECT_EQ(policy.lines[0],
            (PolicyLine{"qrexec-proxy", "+timeout+dst+qrexec-mirror", "src", "proxy", "allow"}));
  EXPECT_EQ(policy.lines[1], (PolicyLine{"qrexec-mirror", "*", "proxy", "dst", "allow"}));
}

TEST(PolicyLines, AServiceArgumentIsNamedInBothLines) {
  PolicyRequest with_argument = request();
  with_argument.service = "my.Store+inbox+2";
  const PolicyLines policy = make_policy_lines(with_argument);
  ASSERT_EQ(policy.error, "");
  EXPECT_EQ(policy.lines[0][1], "+timeout+dst+my.Store+inbox+2");
  EXPECT_EQ(policy.lines[1], (PolicyLine{"my.Store", "+inbox+2", "proxy", "dst", "allow"}));
}

TEST(PolicyLines, SourceTokens) {
  for (const std::string source : {"@anyvm", "@tag:proxied", "@type:AppVM", "work-2"}) {
    PolicyRequest tokened = request();
    tokened.source = source;
    const PolicyLines policy = make_policy_lines(tokened);
    ASSERT_EQ(policy.error, "") << source;
    EXPECT_EQ(policy.lines[0][2], source);
  }
}

TEST(PolicyLines, RefusesNamesQrexecWouldRefuse) {
  struct Case {
    std::string PolicyRequest::*field;
    std::string value;
    std::string error_start;
  };
  const std::vector<Case> cases = {
      {&PolicyRequest::chain, "", "invalid chain name"},
      {&PolicyRequest::chain, "a+b", "invalid chain name"},
      {&PolicyRequest::chain, "-x", "invalid chain name"},
      {&PolicyRequest::chain, "..", "invalid chain name"},
      {&PolicyRequest::chain, std::string(65, 'c'), "invalid chain name"},
      {&PolicyRequest::source, "", "invalid source"},
      {&PolicyRequest::source, "2src", "invalid source"},
      {&PolicyRequest::source, "default", "invalid source"},
      {&PolicyRequest::source, "@anyvm2", "invalid source"},
      {&PolicyRequest::source, "@tag:", "invalid source"},
      {&PolicyRequest::source, "@tag:a b", "invalid source"},
      {&PolicyRequest::source, "@type:Laptop", "invalid source"},
      {&PolicyRequest::source, "@dispvm", "invalid source"},
      {&PolicyRequest::source, "src\n", "invalid source"},
      {&PolicyRequest::target, "none", "invalid destination qube name"},
      {&PolicyRequest::target, "@anyvm", "invalid destination qube name"},
      {&PolicyRequest::target, std::string(32, 'd'), "invalid destination qube name"},
      {&PolicyRequest::target, "d.st", "invalid destination qube name"},
      {&PolicyRequest::proxy, "", "invalid proxy qube name"},
      {&PolicyRequest::proxy, "my.host.example", "invalid proxy qube name"},
      {&PolicyRequest::service, "", "invalid service"},
      {&PolicyRequest::service, ".hidden", "invalid service"},
      {&PolicyRequest::service, "-n", "invalid service"},
      {&PolicyRequest::service, "a/b", "invalid service"},
      {&PolicyRequest::service, "svc+a/b", "invalid service"},
      {&PolicyRequest::service, "svc+a b", "invalid service"},
      {&PolicyRequest::service, std::string(256, 's'), "invalid service"},
      {&PolicyRequest::proxy, "dst", "the proxy qube"},
      {&PolicyRequest::proxy, "src", "the proxy qube"},
  };
  for (const auto& bad : cases) {
    PolicyRequest wrong = request();
    wrong.*bad.field = bad.value;
    const PolicyLines policy = make_policy_lines(wrong);
    EXPECT_TRUE(policy.lines.empty()) << bad.value;
    EXPECT_TRUE(policy.error.starts_with(bad.error_start)) << bad.value << ": " << policy.error;
  }
}

TEST(PolicyLines, ErrorsShowNoRawControlBytes) {
  PolicyRequest wrong = request();
  wrong.target = "d\033[2J";
  const PolicyLines policy = make_policy_lines(wrong);
  EXPECT_EQ(policy.error.find('\033'), std::string::npos) << policy.error;
}

}  // namespace
}  // namespace qrexec_proxy::admin
