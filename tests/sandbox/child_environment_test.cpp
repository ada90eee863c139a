#include "sandbox/child_environment.hpp"

#include "config/build_config.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace qrexec_proxy {
namespace {

bool has(const std::vector<std::string>& environment, const std::string& entry) {
  return std::find(environment.begin(), environment.end(), entry) != environment.end();
}

TEST(ChildEnvironment, OnlyAllowedVariablesAndAFixedPathReachAChild) {
  const char* const service[] = {"PATH=/home/user/bin:/usr/bin",
                                 "HOME=/home/user",
                                 "USER=user",
                                 "LANG=en_US.UTF-8",
                                 "LC_TIME=C",
                                 "QREXEC_REMOTE_DOMAIN=work",
                                 "QREXEC_SERVICE_ARGUMENT=chain+dst+svc",
                                 "QREXEC_REQUESTED_TARGET_KEYWORD=@default",
                                 "QREXEC_PROXY_CLIENT=/tmp/client",
                                 "LD_PRELOAD=/home/user/.hook.so",
                                 "LOCPATH=/home/user/locale",
                                 "SOMETHING_ELSE=1",
                                 "=no name",
                                 "NOEQUALS",
                                 nullptr};
  const std::vector<std::string> child = child_environment(service);
  EXPECT_EQ(child.front(), "PATH=" + std::string(kChildPath));
  EXPECT_EQ(std::count_if(child.begin(), child.end(),
                          [](const std::string& e) { return e.starts_with("PATH="); }),
            1);
  for (const char* kept : {"HOME=/home/user", "USER=user", "LANG=en_US.UTF-8", "LC_TIME=C"})
    EXPECT_TRUE(has(child, kept)) << kept;
  EXPECT_EQ(child.size(), 5u);
}

TEST(ChildEnvironment, ATestBuildAlsoPassesTheEmulationsAndSanitizersVariables) {
  const char* const service[] = {"QREXEC_EMU_ROOT=/tmp/qubes", "ASAN_OPTIONS=log_path=/tmp/asan",
                                 nullptr};
  const std::vector<std::string> child = child_environment(service);
  EXPECT_EQ(has(child, "QREXEC_EMU_ROOT=/tmp/qubes"), build_config::test_overrides);
  EXPECT_EQ(has(child, "ASAN_OPTIONS=log_path=/tmp/asan"), build_config::test_overrides);
}

}  // namespace
}  // namespace qrexec_proxy
