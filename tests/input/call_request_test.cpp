#include "input/call_request.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

TEST(ParseCallArgument, SplitsChainDestinationAndService) {
  const auto result = parse_call_argument("one-way+dst+qubes.Filecopy");
  ASSERT_TRUE(result.request) << result.error;
  EXPECT_EQ(result.request->chain, "one-way");
  EXPECT_EQ(result.request->target, "dst");
  EXPECT_EQ(result.request->service, "qubes.Filecopy");
  EXPECT_FALSE(result.request->service_argument);
  EXPECT_EQ(result.request->destination_call(), "qubes.Filecopy");
}

TEST(ParseCallArgument, KeepsTheServicesOwnArgumentWhole) {
  const auto result = parse_call_argument("pass+dst+my.Service+arg+with+plus");
  ASSERT_TRUE(result.request) << result.error;
  EXPECT_EQ(result.request->service, "my.Service");
  EXPECT_EQ(result.request->service_argument, "arg+with+plus");
  EXPECT_EQ(result.request->destination_call(), "my.Service+arg+with+plus");
}

TEST(ParseCallArgument, KeepsAnEmptyServiceArgument) {
  const auto result = parse_call_argument("pass+dst+my.Service+");
  ASSERT_TRUE(result.request) << result.error;
  EXPECT_EQ(result.request->service_argument, "");
  EXPECT_EQ(result.request->destination_call(), "my.Service+");
}

TEST(ParseCallArgument, RefusesEveryMalformedArgument) {
  for (const char* argument : {"",
                               "pass",
                               "pass+dst",
                               "+dst+svc",
                               "pass++svc",
                               "pass+dst+",
                               "pass+dst++arg",
                               "-h+dst+svc",
                               "pass+dst+-svc",
                               "pass+dst+.svc",
                               "..+dst+svc",
                               ".+dst+svc",
                               "pass+..+svc",
                               "pass+dst+..",
                               "pass+dst+a/b",
                               "pass/x+dst+svc",
                               "pass+d/st+svc",
                               "pass+dst+svc+a/b",
                               "pass+default+svc",
                               "pass+none+svc",
                               "pass+2dst+svc",
                               "pass+dst+svc\n",
                               "pass\0x+dst+svc",
                               "pass+dst+s vc",
                               "--config=/tmp/x+dst+svc"}) {
    const auto result = parse_call_argument(argument);
    EXPECT_FALSE(result.request) << argument;
    EXPECT_FALSE(result.error.empty()) << argument;
  }
}

TEST(ParseCallArgument, RefusesOverlongArgumentsBeforeLookingAtThem) {
  const std::string long_argument = "pass+dst+svc+" + std::string(65000, 'a');
  const auto result = parse_call_argument(long_argument);
  EXPECT_FALSE(result.request);
  EXPECT_NE(result.error.find("too long"), std::string::npos);
}

TEST(FindCallArgument, PrefersArgvThenEnvironment) {
  const char* argv[] = {"qrexec-proxy", "a+b+c", nullptr};
  EXPECT_EQ(find_call_argument(2, argv, "x+y+z"), "a+b+c");
  EXPECT_EQ(find_call_argument(1, argv, "x+y+z"), "x+y+z");
  const char* empty_argv[] = {"qrexec-proxy", "", nullptr};
  EXPECT_EQ(find_call_argument(2, empty_argv, "x+y+z"), "x+y+z");
  EXPECT_FALSE(find_call_argument(1, argv, nullptr));
}

}  // namespace
}  // namespace qrexec_proxy
