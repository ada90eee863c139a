// Routes: their format, their checks, and which route takes a call.
#include "config/routes.hpp"
#include "config/config.hpp"

#include "support/temp_dir.hpp"

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

using test::TempDir;
using test::write_file;

constexpr const char* kChains = R"({"one-way": {"plugins": ["stop_dst"]},
                                    "pass": {"plugins": ["pass"]},
                                    "to-dom0": {"plugins": [], "allow_dom0": true}})";

// The problems of one routes file read alone, formatted.
std::vector<std::string> problems_of(const std::string& text) {
  RouteTable table;
  std::vector<ConfigProblem> problems;
  read_routes(text, "r.json", 0, table, problems);
  std::vector<std::string> texts;
  for (const auto& problem : problems) texts.push_back(problem.format());
  return texts;
}

std::string only_problem_of(const std::string& text) {
  const auto problems = problems_of(text);
  if (problems.size() != 1) return std::to_string(problems.size()) + " problems";
  return problems[0];
}

TEST(Routes, ReadsEveryKey) {
  RouteTable table;
  std::vector<ConfigProblem> problems;
  read_routes(R"([{"source": "work", "service": "qubes.Filecopy", "target": "vault",
                   "chain": "one-way", "description": "copies to the vault"},
                  {"source": ["mail", "web"], "service": "qubes.OpenURL+https",
                   "target": "browser", "chain": "pass"}])",
              "r.json", 0, table, problems);
  ASSERT_TRUE(problems.empty()) << problems[0].format();
  ASSERT_EQ(table.routes.size(), 2u);
  const Route& copy = table.routes[0];
  EXPECT_EQ(copy.sources, std::vector<std::string>{"work"});
  EXPECT_EQ(copy.service, "qubes.Filecopy");
  EXPECT_FALSE(copy.argument);
  EXPECT_EQ(copy.target, "vault");
  EXPECT_EQ(copy.chain, "one-way");
  EXPECT_EQ(copy.description, "copies to the vault");
  EXPECT_EQ(copy.place(), "r.json route #0");
  const Route& url = table.routes[1];
  EXPECT_EQ(url.sources, (std::vector<std::string>{"mail", "web"}));
  EXPECT_EQ(url.service, "qubes.OpenURL");
  EXPECT_EQ(url.argument, "https");
  EXPECT_EQ(url.service_text(), "qubes.OpenURL+https");
  EXPECT_EQ(url.index, 1u);
}

TEST(Routes, EveryWrongValueIsAProblemOfItsRoute) {
  const std::string good = R"("service": "s", "target": "t", "chain": "c")";
  EXPECT_EQ(only_problem_of("{}"), "r.json: the file must hold a list of routes");
  EXPECT_EQ(only_problem_of("[1]"), "r.json: route #0: a route must be an object");
  EXPECT_EQ(only_problem_of(R"([{"source": "a", )" + good + R"(, "via": "x"}])"),
            "r.json: route #0: unknown key \"via\" (expected source, service, target, chain, "
            "description)");
  EXPECT_EQ(only_problem_of(R"([{)" + good + "}]"),
            "r.json: route #0: \"source\" must be a qube name or a list of qube names");
  EXPECT_EQ(only_problem_of(R"([{"source": [], )" + good + "}]"),
            "r.json: route #0: \"source\" must be a qube name or a list of qube names");
  EXPECT_EQ(only_problem_of(R"([{"source": "@anyvm", )" + good + "}]"),
            "r.json: route #0: invalid source \"@anyvm\": a qube name ([a-zA-Z][a-zA-Z0-9_-]*, "
            "at most 31 characters)");
  EXPECT_EQ(only_problem_of(R"([{"source": ["a", "a"], )" + good + "}]"),
            "r.json: route #0: source \"a\" is listed twice");
  EXPECT_EQ(only_problem_of(R"([{"source": "a", "service": "-s", "target": "t", "chain": "c"}])"),
            "r.json: route #0: invalid service \"-s\": NAME or NAME+ARG, NAME of [A-Za-z0-9_.-] "
            "not starting with '.' or '-'");
  EXPECT_EQ(only_problem_of(R"([{"source": "a", "service": "s+", "target": "t", "chain": "c"}])"),
            "r.json: route #0: invalid argument in \"s+\": 1 to 1024 of [A-Za-z0-9_.+-]");
  EXPECT_EQ(
      only_problem_of(R"([{"source": "a", "service": "s+a/b", "target": "t", "chain": "c"}])"),
      "r.json: route #0: invalid argument in \"s+a/b\": 1 to 1024 of [A-Za-z0-9_.+-]");
  EXPECT_EQ(
      only_problem_of(
          R"([{"source": "a", "service": "qrexec-proxy+c+t+s", "target": "t", "chain": "c"}])"),
      "r.json: route #0: the service qrexec-proxy is the proxy's own way in; a route cannot "
      "take it");
  EXPECT_EQ(only_problem_of(R"([{"source": "a", "service": "s", "target": "x-dm", "chain": "c"}])"),
            "r.json: route #0: invalid target \"x-dm\": a qube name ([a-zA-Z][a-zA-Z0-9_-]*, at "
            "most 31 characters), not default, none, Domain-0 or NAME-dm");
  EXPECT_EQ(only_problem_of(R"([{"source": "a", "service": "s", "target": "t", "chain": ".c"}])"),
            "r.json: route #0: invalid chain name \".c\"");
  EXPECT_EQ(only_problem_of(R"([{"source": "a", "service": "s", "target": "t", "chain": 1}])"),
            "r.json: route #0: \"chain\" must be a string");
  // Control bytes of the file never reach a message raw.
  EXPECT_EQ(only_problem_of("[{\"source\": \"a\\u001b\", " + good + "}]"),
            "r.json: route #0: invalid source \"a\\x1b\": a qube name ([a-zA-Z][a-zA-Z0-9_-]*, "
            "at most 31 characters)");
}

TEST(Routes, TwoRoutesOfOneLocationForTheSameCallsNameBoth) {
  TempDir dir;
  write_file(dir / "routes.d/a.json",
             R"([{"source": ["mail", "work"], "service": "qubes.Filecopy", "target": "vault",
                  "chain": "pass"}])");
  // Same source and service; an exact argument is still one of "any".
  write_file(dir / "routes.d/b.json",
             R"([{"source": "work", "service": "qubes.Filecopy+x", "target": "other",
                  "chain": "pass"},
                 {"source": "web", "service": "qubes.Filecopy", "target": "vault",
                  "chain": "pass"},
                 {"source": "web", "service": "qubes.Filecopy+y", "target": "vault",
                  "chain": "pass"}])");
  std::vector<ConfigProblem> problems;
  std::vector<std::filesystem::path> files;
  const RouteTable table = load_routes({dir.path()}, problems, files);
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].format(),
            (dir / "routes.d/b.json").string() + ": route #0 and " +
                (dir / "routes.d/a.json").string() +
                " route #0 could both take calls of qubes.Filecopy from the same source: give "
                "each call one route");
  EXPECT_EQ(problems[1].format(),
            (dir / "routes.d/b.json").string() + ": route #2 and " +
                (dir / "routes.d/b.json").string() +
                " route #1 could both take calls of qubes.Filecopy from the same source: give "
                "each call one route");
  EXPECT_EQ(files.size(), 2u);
}

TEST(Routes, DifferentArgumentsOrServicesOrSourcesDoNotClash) {
  EXPECT_TRUE(problems_of(R"([
      {"source": "a", "service": "s+x", "target": "t", "chain": "c"},
      {"source": "a", "service": "s+y", "target": "t", "chain": "c"},
      {"source": "a", "service": "other", "target": "t", "chain": "c"},
      {"source": "b", "service": "s", "target": "t", "chain": "c"}])")
                  .empty());
}

TEST(Routes, FindTakesTheExactArgumentOrAnyAndThePerQubeRouteFirst) {
  TempDir dir;
  write_file(dir / "etc/routes.d/r.json",
             R"([{"source": "work", "service": "qubes.Filecopy", "target": "vault",
                  "chain": "one-way"},
                 {"source": "work", "service": "my.Service+exact", "target": "t1",
                  "chain": "pass"}])");
  write_file(dir / "local/routes.d/r.json",
             R"([{"source": "work", "service": "qubes.Filecopy+big", "target": "archive",
                  "chain": "pass"}])");
  std::vector<ConfigProblem> problems;
  std::vector<std::filesystem::path> files;
  const RouteTable table = load_routes({dir / "etc", dir / "local"}, problems, files);
  ASSERT_TRUE(problems.empty()) << problems[0].format();

  const Route* any = table.find("work", "qubes.Filecopy", std::nullopt);
  ASSERT_NE(any, nullptr);
  EXPECT_EQ(any->target, "vault");
  EXPECT_EQ(table.find("work", "qubes.Filecopy", "small"), any);
  const Route* big = table.find("work", "qubes.Filecopy", "big");
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(big->target, "archive");
  EXPECT_EQ(table.replaced_by(*any), big);
  EXPECT_EQ(table.replaced_by(*big), nullptr);

  EXPECT_NE(table.find("work", "my.Service", "exact"), nullptr);
  EXPECT_EQ(table.find("work", "my.Service", std::nullopt), nullptr);
  EXPECT_EQ(table.find("work", "my.Service", "other"), nullptr);
  EXPECT_EQ(table.find("mail", "qubes.Filecopy", std::nullopt), nullptr);
  EXPECT_EQ(table.find("work", "qubes.OpenInVM", std::nullopt), nullptr);
}

TEST(Routes, AConfigWithoutRoutesIsTheOriginalsFormatUnchanged) {
  TempDir dir;
  write_file(dir / "config.json", kChains);
  const Config config = load_config({dir.path()}, PluginRegistry::builtin());
  EXPECT_TRUE(config.valid());
  EXPECT_TRUE(config.routes.routes.empty());
  EXPECT_TRUE(config.route_files.empty());
}

TEST(Routes, ARouteNeedsAChainOfTheConfigThatLetsItReachItsTarget) {
  TempDir dir;
  write_file(dir / "config.json", kChains);
  write_file(dir / "routes.d/r.json",
             R"([{"source": "a", "service": "s1", "target": "t", "chain": "missing"},
                 {"source": "a", "service": "s2", "target": "dom0", "chain": "pass"},
                 {"source": "a", "service": "s3", "target": "dom0", "chain": "to-dom0"},
                 {"source": "a", "service": "s4", "target": "t", "chain": "one-way"}])");
  const Config config = load_config({dir.path()}, PluginRegistry::builtin());
  ASSERT_EQ(config.problems.size(), 2u);
  const std::string file = (dir / "routes.d/r.json").string();
  EXPECT_EQ(config.problems[0].format(), file + ": route #0: no chain named \"missing\"");
  EXPECT_EQ(config.problems[1].format(),
            file + ": route #1: the target is dom0, and chain pass does not allow it (allow_dom0)");
  EXPECT_EQ(config.routes.routes.size(), 4u);
  EXPECT_EQ(config.route_files, std::vector<std::filesystem::path>{file});
}

TEST(Routes, ACallFindsItsRouteAndChainOnTheStampedPathToo) {
  TempDir dir;
  write_file(dir / "config/config.json", kChains);
  write_file(dir / "config/routes.d/r.json",
             R"([{"source": "work", "service": "qubes.Filecopy", "target": "vault",
                  "chain": "one-way"}])");
  std::filesystem::create_directories(dir / "state");
  // The first call checks everything; later ones may take the stamped path.
  for (int call = 0; call < 3; ++call) {
    const Config config = load_config_for_route({dir / "config"}, PluginRegistry::builtin(), "work",
                                                "qubes.Filecopy", std::nullopt, {}, dir / "state");
    ASSERT_TRUE(config.valid()) << config.problems[0].format();
    const Route* route = config.routes.find("work", "qubes.Filecopy", std::nullopt);
    ASSERT_NE(route, nullptr);
    ASSERT_NE(config.find("one-way"), nullptr);
    EXPECT_EQ(config.find("one-way")->plugins.at(0).name, "stop_dst");
  }
  // A broken route file is found even when the chains are unchanged.
  write_file(dir / "config/routes.d/r.json", "[{");
  const Config broken = load_config_for_route({dir / "config"}, PluginRegistry::builtin(), "work",
                                              "qubes.Filecopy", std::nullopt, {}, dir / "state");
  EXPECT_FALSE(broken.valid());
}

}  // namespace
}  // namespace qrexec_proxy
