// Which service the program runs as, from what qrexec-agent gives it.
#include "input/called_service.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace qrexec_proxy {
namespace {

TEST(CalledService, NameAndArgument) {
  const auto plain = parse_called_service("qubes.Filecopy");
  ASSERT_TRUE(plain.service);
  EXPECT_EQ(plain.service->name, "qubes.Filecopy");
  EXPECT_FALSE(plain.service->argument);
  EXPECT_FALSE(plain.service->is_proxy());
  EXPECT_EQ(plain.service->full_name(), "qubes.Filecopy");

  const auto with_argument = parse_called_service("my.Service+a+b");
  ASSERT_TRUE(with_argument.service);
  EXPECT_EQ(with_argument.service->name, "my.Service");
  EXPECT_EQ(with_argument.service->argument, "a+b");
  EXPECT_EQ(with_argument.service->full_name(), "my.Service+a+b");

  // An empty argument is still an argument: it is passed on as it came.
  const auto empty = parse_called_service("my.Service+");
  ASSERT_TRUE(empty.service);
  EXPECT_EQ(empty.service->argument, "");
  EXPECT_EQ(empty.service->full_name(), "my.Service+");

  EXPECT_TRUE(parse_called_service("qrexec-proxy+c+d+s").service->is_proxy());
}

TEST(CalledService, RefusesWhatQubesWouldNotName) {
  for (const std::string& bad :
       std::vector<std::string>{"", "-s", ".s", "a b", "s/x", "+arg", std::string(256, 'a')})
    EXPECT_EQ(parse_called_service(bad).error, "invalid service name") << bad;
  for (const std::string& bad :
       std::vector<std::string>{"s+a b", "s+a/b", "s+" + std::string(1025, 'a'), "s+\n"})
    EXPECT_EQ(parse_called_service(bad).error, "invalid service argument") << bad;
}

TEST(CalledService, TheAgentsFullNameFirstThenTheProgramsOwnName) {
  const char* argv[] = {"/usr/local/etc/qubes-rpc/qubes.Filecopy", "arg", nullptr};
  EXPECT_EQ(find_called_service(2, argv, "qubes.OpenInVM+x", "x"), "qubes.OpenInVM+x");
  EXPECT_EQ(find_called_service(2, argv, nullptr, nullptr), "qubes.Filecopy+arg");
  EXPECT_EQ(find_called_service(1, argv, nullptr, "from-env"), "qubes.Filecopy+from-env");
  EXPECT_EQ(find_called_service(1, argv, nullptr, nullptr), "qubes.Filecopy");
  // An empty QREXEC_SERVICE_FULL_NAME is no name: argv[0] tells.
  EXPECT_EQ(find_called_service(1, argv, "", nullptr), "qubes.Filecopy");
  // An entry for one exact argument carries it in its name.
  const char* exact[] = {"/usr/local/etc/qubes-rpc/my.Service+exact", nullptr};
  EXPECT_EQ(find_called_service(1, exact, nullptr, "exact"), "my.Service+exact");
  const char* proxy[] = {"/usr/lib/qubes-qrexec-proxy/qrexec-proxy", "c+d+s", nullptr};
  EXPECT_EQ(find_called_service(2, proxy, nullptr, nullptr), "qrexec-proxy+c+d+s");
  EXPECT_EQ(find_called_service(0, proxy + 2, nullptr, nullptr), std::nullopt);
}

}  // namespace
}  // namespace qrexec_proxy
