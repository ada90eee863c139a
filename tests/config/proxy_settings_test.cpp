#include "config/proxy_settings.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

using test::TempDir;
using test::write_file;

TEST(ProxySettings, DefaultsWithoutAFile) {
  TempDir dir;
  std::vector<ConfigProblem> problems;
  std::vector<std::filesystem::path> files;
  const ProxySettings settings = load_proxy_settings({dir.path()}, problems, files);
  EXPECT_TRUE(problems.empty());
  EXPECT_TRUE(files.empty());
  EXPECT_EQ(settings.max_calls, 100u);
  ASSERT_TRUE(settings.finish_timeout);
  EXPECT_EQ(settings.finish_timeout->count(), 3600.0);
  EXPECT_EQ(settings.max_plugin_records, 2000u);
}

TEST(ProxySettings, APerQubeFileReplacesTheTemplatesKeysOneByOne) {
  TempDir template_dir, qube_dir;
  write_file(template_dir / "proxy.json",
             R"({"max_calls": 20, "finish_timeout": 30, "max_plugin_records": 0})");
  write_file(qube_dir / "proxy.json", R"({"finish_timeout": -1, "description": "no end"})");
  std::vector<ConfigProblem> problems;
  std::vector<std::filesystem::path> files;
  const ProxySettings settings =
      load_proxy_settings({template_dir.path(), qube_dir.path()}, problems, files);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(files.size(), 2u);
  EXPECT_EQ(settings.max_calls, 20u);
  EXPECT_FALSE(settings.finish_timeout);
  EXPECT_EQ(settings.max_plugin_records, 0u);
}

TEST(ProxySettings, EveryProblemIsNamedWithItsFileAndKey) {
  const auto problem = [](const std::string& text) {
    ProxySettings settings;
    std::vector<ConfigProblem> problems;
    read_proxy_settings(text, "proxy.json", settings, problems);
    EXPECT_EQ(problems.size(), 1u) << text;
    return problems.empty() ? "" : problems.front().format();
  };
  EXPECT_EQ(problem(R"({"max_calls": 0})"),
            "proxy.json: option max_calls: must be a whole number between 1 and 100000");
  EXPECT_EQ(problem(R"({"max_calls": 2.5})"),
            "proxy.json: option max_calls: must be a whole number between 1 and 100000");
  EXPECT_EQ(problem(R"({"finish_timeout": 0})"),
            "proxy.json: option finish_timeout: must be a number of seconds between 0.001 and "
            "31536000, or -1 for none");
  EXPECT_EQ(problem(R"({"max_plugin_records": -1})"),
            "proxy.json: option max_plugin_records: must be a whole number between 0 and 1000000");
  EXPECT_EQ(problem(R"({"max_call": 3})"),
            "proxy.json: unknown setting \"max_call\" (expected max_calls, finish_timeout, "
            "max_plugin_records, description)");
  EXPECT_EQ(problem(R"([1])"), "proxy.json: proxy settings must be an object of setting -> value");
  EXPECT_EQ(problem("{"),
            "proxy.json:1:2: syntax error while parsing object key - unexpected "
            "end of input; expected string literal");
}

}  // namespace
}  // namespace qrexec_proxy
