// `qrexec-proxy-admin route list|enable|disable|policy`, end to end.
#include "admin_cli.hpp"

#include "support/emulation.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace qrexec_proxy::test {
namespace {

namespace fs = std::filesystem;

class RouteCommand : public ::testing::Test {
 protected:
  RouteCommand() {
    admin.write_config(R"({"one-way": {"plugins": ["stop_dst"]}, "pass": {"plugins": ["pass"]}})");
    write_routes(R"([{"source": ["work", "mail"], "service": "qubes.Filecopy", "target": "vault",
                      "chain": "one-way", "description": "files to the vault"},
                     {"source": "web", "service": "qubes.OpenURL+https", "target": "browser",
                      "chain": "pass"}])");
  }

  void write_routes(const std::string& json) const {
    write_file(admin.config_dir() / "routes.d" / "routes.json", json);
  }
  fs::path routes_file() const { return admin.config_dir() / "routes.d" / "routes.json"; }

  ProcessResult route(std::vector<std::string> args) const {
    args.insert(args.begin(), "route");
    ProcessOptions options;
    options.environment = {"QREXEC_PROXY_RPC_DIR=" + rpc_dir.string()};
    return admin.run(args, options);
  }

  AdminCli admin;
  TempDir rpc_parent;
  fs::path rpc_dir = rpc_parent / "qubes-rpc";
};

TEST_F(RouteCommand, EnableMakesTheServiceProgramAnswerTheService) {
  const ProcessResult result = route({"enable", "qubes.Filecopy"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const fs::path entry = rpc_dir / "qubes.Filecopy";
  ASSERT_TRUE(fs::is_symlink(entry));
  EXPECT_EQ(fs::read_symlink(entry), fs::canonical(installed_service()));
  EXPECT_EQ(result.out,
            entry.string() + " -> " + fs::canonical(installed_service()).string() + "\n");
  // Again: nothing to do, and no error.
  EXPECT_EQ(route({"enable", "qubes.Filecopy"}).exit_status, 0);
  // An exact argument is an entry of its own name.
  EXPECT_EQ(route({"enable", "qubes.OpenURL+https"}).exit_status, 0);
  EXPECT_TRUE(fs::is_symlink(rpc_dir / "qubes.OpenURL+https"));
}

TEST_F(RouteCommand, EnableRefusesAServiceNoRouteNamesAndTheProxysOwn) {
  ProcessResult result = route({"enable", "qubes.OpenInVM"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.err, "qrexec-proxy-admin: no route names the service qubes.OpenInVM in " +
                            admin.config_dir().string() + " (see qrexec-proxy-admin route list)\n");
  // The route names qubes.OpenURL+https only, not every argument.
  EXPECT_EQ(route({"enable", "qubes.OpenURL"}).exit_status, 1);
  result = route({"enable", "qrexec-proxy"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_EQ(result.err,
            "qrexec-proxy-admin: qrexec-proxy is the proxy's own service: a route entry never "
            "replaces it\n");
  EXPECT_EQ(route({"enable", "qrexec-proxy+one-way+vault+x"}).exit_status, 2);
  EXPECT_EQ(route({"enable", "../escape"}).exit_status, 2);
  EXPECT_EQ(route({"disable", "qrexec-proxy"}).exit_status, 2);
  EXPECT_FALSE(fs::exists(rpc_dir));
}

TEST_F(RouteCommand, EnableAndDisableLeaveOtherFilesAlone) {
  fs::create_directories(rpc_dir);
  write_file(rpc_dir / "qubes.Filecopy", "#!/bin/sh\n");
  ProcessResult result = route({"enable", "qubes.Filecopy"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.err.find("exists and is not a route entry of qrexec-proxy"), std::string::npos)
      << result.err;
  result = route({"disable", "qubes.Filecopy"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.err.find("is not a route entry of qrexec-proxy: left alone"), std::string::npos)
      << result.err;
  EXPECT_EQ(read_file(rpc_dir / "qubes.Filecopy"), "#!/bin/sh\n");
}

TEST_F(RouteCommand, DisableRemovesTheEntry) {
  ASSERT_EQ(route({"enable", "qubes.Filecopy"}).exit_status, 0);
  // Removing the route first does not strand its entry.
  write_routes("[]");
  EXPECT_EQ(route({"disable", "qubes.Filecopy"}).exit_status, 0);
  EXPECT_FALSE(fs::exists(fs::symlink_status(rpc_dir / "qubes.Filecopy")));
  EXPECT_EQ(route({"disable", "qubes.Filecopy"}).exit_status, 0);
}

TEST_F(RouteCommand, EnableRefusesWhileTheConfigHasProblems) {
  write_routes(R"([{"source": "work", "service": "qubes.Filecopy", "target": "vault",
                    "chain": "missing"}])");
  const ProcessResult result = route({"enable", "qubes.Filecopy"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.err.find("the config has problems"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(rpc_dir / "qubes.Filecopy"));
}

TEST_F(RouteCommand, ListShowsEachRouteItsEntryAndItsFile) {
  ASSERT_EQ(route({"enable", "qubes.Filecopy"}).exit_status, 0);
  const ProcessResult result = route({"list"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const std::string file = routes_file().string();
  EXPECT_EQ(result.out,
            "SOURCE     SERVICE              TARGET   CHAIN    ENTRY     ROUTE\n"
            "work,mail  qubes.Filecopy       vault    one-way  enabled   " +
                file + " route #0\n" +
                "web        qubes.OpenURL+https  browser  pass     disabled  " + file +
                " route #1\n");

  const auto routes = route({"list", "--json"});
  const auto json = nlohmann::json::parse(routes.out);
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0], nlohmann::json::parse(R"({"source": ["work", "mail"],
      "service": "qubes.Filecopy", "target": "vault", "chain": "one-way",
      "description": "files to the vault", "index": 0, "entry": "enabled",
      "replaced_by": null, "file": ")" + file +
                                           R"("})"));
  EXPECT_EQ(json[1]["entry"], "disabled");
}

TEST_F(RouteCommand, ListMarksTemplateRoutesAPerQubeRouteReplaces) {
  TempDir qube;
  write_file(qube / "routes.d" / "local.json",
             R"([{"source": "work", "service": "qubes.Filecopy+big", "target": "archive",
                  "chain": "pass"}])");
  ProcessOptions options;
  options.environment = {"QREXEC_PROXY_RPC_DIR=" + rpc_dir.string()};
  const ProcessResult result =
      admin.run({"--config-dir", admin.config_dir().string(), "--config-dir", qube.path().string(),
                 "route", "list", "--json"},
                options);
  EXPECT_EQ(result.exit_status, 0) << result.err;
  const auto json = nlohmann::json::parse(result.out);
  ASSERT_EQ(json.size(), 3u);
  EXPECT_EQ(json[0]["replaced_by"], (qube / "routes.d" / "local.json").string() + " route #0");
  EXPECT_TRUE(json[1]["replaced_by"].is_null());
  EXPECT_TRUE(json[2]["replaced_by"].is_null());
}

TEST_F(RouteCommand, ListSaysSoWhenThereAreNoRoutes) {
  write_routes("[]");
  const ProcessResult result = route({"list"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.out, "No routes in " + admin.config_dir().string() +
                            ": only explicit calls (qrexec-proxy+CHAIN+DST+SERVICE) reach the "
                            "proxy.\n");
}

TEST_F(RouteCommand, PolicyPrintsTheRedirectLinesAndTheProxysOwn) {
  ProcessResult result = route({"policy", "mail", "qubes.Filecopy", "--proxy", "sys-proxy"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "# qrexec-proxy route (" + routes_file().string() +
                            " route #0): mail qubes.Filecopy -> vault through chain one-way\n"
                            "qubes.Filecopy  *  mail       vault     allow target=sys-proxy\n"
                            "qubes.Filecopy  *  mail       @default  allow target=sys-proxy\n"
                            "qubes.Filecopy  *  sys-proxy  vault     allow\n");
  result = route({"policy", "web", "qubes.OpenURL+https", "--proxy", "sys-proxy", "--ask"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_NE(result.out.find("qubes.OpenURL  +https  web        browser   ask target=sys-proxy\n"
                            "qubes.OpenURL  +https  web        @default  ask target=sys-proxy\n"
                            "qubes.OpenURL  +https  sys-proxy  browser   allow\n"),
            std::string::npos)
      << result.out;
}

TEST_F(RouteCommand, PolicyRefusesWhatNoRouteTakesAndInvalidNames) {
  ProcessResult result = route({"policy", "web", "qubes.OpenURL", "--proxy", "p"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err, "qrexec-proxy-admin: no route takes qubes.OpenURL from web in " +
                            admin.config_dir().string() + " (see qrexec-proxy-admin route list)\n");
  EXPECT_EQ(route({"policy", "@anyvm", "qubes.Filecopy", "--proxy", "p"}).exit_status, 2);
  EXPECT_EQ(route({"policy", "work", "qubes.Filecopy", "--proxy", "work"}).exit_status, 2);
  EXPECT_EQ(route({"policy", "work", "qubes.Filecopy", "--proxy", "vault"}).exit_status, 2);
  EXPECT_EQ(route({"policy", "work", "qubes.Filecopy", "--proxy", "bad name"}).exit_status, 2);
}

TEST_F(RouteCommand, CheckCountsRoutesAndReportsTheirProblems) {
  ProcessResult result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 0) << result.err;
  EXPECT_EQ(result.out, "The config is valid: 2 chains and 2 routes in 2 files.\n");
  const auto json = admin.run_json({"check", "--json"});
  EXPECT_EQ(json["routes"], 2);
  EXPECT_EQ(json["files"].size(), 2u);
  write_routes(R"([{"source": "work", "service": "qubes.Filecopy", "target": "vault",
                    "chain": "one-way"},
                   {"source": "work", "service": "qubes.Filecopy+x", "target": "other",
                    "chain": "pass"}])");
  result = admin.run({"check"});
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_EQ(result.out, routes_file().string() + ": route #1 and " + routes_file().string() +
                            " route #0 could both take calls of qubes.Filecopy from the same "
                            "source: give each call one route\n");
}

}  // namespace
}  // namespace qrexec_proxy::test
