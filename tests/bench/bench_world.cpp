#include "bench_world.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

namespace qrexec_proxy::bench {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kBenchChains = 10;
constexpr std::size_t kChainsPerDropIn = 100;

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// One padding chain, of the kinds a real config holds, with options that
// differ from chain to chain.
std::string padding_chain(std::size_t i) {
  const std::string n = std::to_string(i);
  const std::string name = "\"site-" + n + "-";
  switch (i % 10) {
    case 0:
      return name + "limit\": {\"plugins\": [\"byte_limit\"], \"config\": {\"byte_limit\": " +
             "{\"src2dst_limit\": " + std::to_string(1048576 + i) +
             ", \"dst2src_limit\": " + std::to_string(4096 + i) + "}}}";
    case 1:
      return name + "one-way\": {\"description\": \"one-way copy " + n +
             "\", \"plugins\": [\"streamline\", \"timeout\", \"stop_dst\"], \"config\": " +
             "{\"timeout\": {\"src2dst_timeout\": " + std::to_string(5 + i % 50) +
             ", \"dst2src_timeout\": 5}, \"streamline\": {\"buf_size\": 1048576}}}";
    case 2:
      return name + "filter\": {\"plugins\": [\"filter\", \"byte_limit\"], \"config\": " +
             "{\"filter\": {\"charset\": \"printable\", \"max_line\": 4096, \"deny\": " +
             "[\"^rm -rf\", \"secret[0-9]{" + std::to_string(1 + i % 9) +
             "}\"], \"direction\": \"src2dst\"}, \"1\": {\"src2dst_limit\": 65536}}}";
    case 3:
      return name + "sniff\": {\"plugins\": [\"sniff\", \"stop_src\"], \"config\": " +
             "{\"0\": {\"decode\": \"str\", \"encoding\": \"ascii\"}}}";
    case 4:
      return name + "rate\": {\"plugins\": [\"rate_limit\", \"idle_timeout\"], \"config\": " +
             "{\"rate_limit\": {\"src2dst_rate\": " + std::to_string(100000 + i) +
             ", \"burst\": 65536}, \"idle_timeout\": {\"timeout\": 30}}}";
    case 5:
      return name + "allow\": {\"plugins\": [\"allow\", \"pass\"], \"config\": {\"allow\": " +
             "{\"sources\": [\"work\", \"personal-" + n +
             "\"], \"services\": " + "[\"qubes.Filecopy\", \"my.Service+*\"]}}}";
    case 6:
      return name + "conn\": {\"plugins\": [\"max_conn\", \"timeout\"], \"config\": " +
             "{\"max_conn\": {\"limit\": " + std::to_string(1 + i % 8) +
             ", \"per_source\": true}, \"timeout\": {\"src2dst_timeout\": 60}}}";
    case 7:
      return name + "count\": {\"plugins\": [\"count\"], \"config\": {\"count\": " +
             "{\"limit\": " + std::to_string(1 + i % 20) + ", \"limit_interval\": 3600}}}";
    case 8:
      return name + "audit\": {\"plugins\": [\"byte_limit\", \"sniff\"], \"config\": " +
             "{\"byte_limit\": {\"src2dst_limit\": 100, \"mode\": \"audit\"}, " +
             "\"sniff\": {\"decode\": \"base64\"}}}";
    default:
      return name + "plain\": {\"plugins\": [\"default\", \"pass\", \"pass\", \"default\"]}";
  }
}

}  // namespace

std::string bench_config_text(std::size_t padding) {
  std::string text =
      "{\n"
      "  \"description\": \"qrexec-proxy benchmark\",\n"
      "  \"none\": {\"plugins\": []},\n"
      "  \"pass\": {\"plugins\": [\"pass\"]},\n"
      "  \"count-only\": {\"plugins\": [\"pass\", \"byte_limit\", \"timeout\"]},\n"
      "  \"sniff\": {\"plugins\": [\"sniff\"], \"config\": {\"sniff\": {\"decode\": \"hex\"}}},\n"
      "  \"streamline\": {\"plugins\": [\"streamline\"], \"config\": {\"streamline\": "
      "{\"delay_read\": 0, \"delay_write\": 0}}},\n"
      "  \"limit\": {\"plugins\": [\"byte_limit\"], \"config\": {\"byte_limit\": "
      "{\"src2dst_limit\": 10485760, \"dst2src_limit\": 2097152}}},\n"
      "  \"one-way\": {\"plugins\": [\"streamline\", \"timeout\", \"stop_dst\"], \"config\": "
      "{\"timeout\": {\"src2dst_timeout\": 5, \"dst2src_timeout\": 5}}},\n"
      "  \"lines\": {\"plugins\": [\"filter\"], \"config\": {\"filter\": {\"charset\": "
      "\"printable\", \"max_line\": 1024, \"deny\": [\"password\"]}}},\n"
      "  \"work-only\": {\"plugins\": [\"allow\", \"timeout\"], \"config\": {\"allow\": "
      "{\"sources\": [\"work\"]}, \"timeout\": {\"src2dst_timeout\": 10}}},\n"
      "  \"limit-rate\": {\"plugins\": [\"rate_limit\"], \"config\": {\"rate_limit\": "
      "{\"src2dst_rate\": 1048576}}}";
  for (std::size_t i = 0; i < padding; ++i) text += ",\n  " + padding_chain(i);
  return text + "\n}\n";
}

std::string filecopy_config_text() {
  return "{\n"
         "  \"description\": \"qrexec-proxy benchmark: qubes.Filecopy streams\",\n"
         "  \"pass\": {\"plugins\": [\"pass\"]},\n"
         "  \"filecopy\": {\"plugins\": [\"filecopy\"]},\n"
         "  \"filecopy-sha256\": {\"plugins\": [\"filecopy\"], \"config\": {\"filecopy\": "
         "{\"hash\": \"sha256\"}}}\n"
         "}\n";
}

BenchWorld::BenchWorld(Installation installation, std::size_t large_config_chains)
    : installation_(std::move(installation)),
      large_chains_(std::max(large_config_chains, kBenchChains)) {
  std::string pattern = (fs::temp_directory_path() / "qrexec-proxy-bench-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  root_ = pattern;
  for (const char* qube : {"src", "proxy", "dst"}) make_qube(qube);
  link(installation_.service, root_ / "proxy/rpc/qrexec-proxy");
  link(installation_.direct_service, root_ / "proxy/rpc/bench.Direct");
  for (const char* service : {"bench.Sink", "bench.Mirror", "bench.Emit"})
    link(installation_.services, root_ / "dst/rpc" / service);

  // The concurrency scenario runs more calls at once than the default
  // max_calls lets a proxy qube run.
  constexpr const char* kProxySettings = R"({"max_calls": 1000})";
  write_text(root_ / "config-small/config.json", bench_config_text(0));
  write_text(root_ / "config-small/proxy.json", kProxySettings);
  write_text(root_ / "config-filecopy/config.json", filecopy_config_text());
  write_text(root_ / "config-filecopy/proxy.json", kProxySettings);
  // The large config: the same config.json, and the padding in chains.d
  // files, as a site with many chains would keep them.
  write_text(root_ / "config-large/config.json", bench_config_text(0));
  write_text(root_ / "config-large/proxy.json", kProxySettings);
  const std::size_t padding = large_chains_ - kBenchChains;
  for (std::size_t first = 0; first < padding; first += kChainsPerDropIn) {
    std::string text = "{\n";
    for (std::size_t i = first; i < std::min(padding, first + kChainsPerDropIn); ++i)
      text += (i == first ? "  " : ",\n  ") + padding_chain(i);
    char name[32];
    std::snprintf(name, sizeof name, "site-%04zu.json", first / kChainsPerDropIn);
    write_text(root_ / "config-large/chains.d" / name, text + "\n}\n");
  }
}

BenchWorld::~BenchWorld() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

std::size_t BenchWorld::chains_in(Config config) const {
  switch (config) {
    case Config::small:
      return kBenchChains;
    case Config::large:
      return large_chains_;
    case Config::filecopy:
      return 3;
  }
  return kBenchChains;
}

void BenchWorld::make_qube(const std::string& qube) const {
  fs::create_directories(root_ / qube / "rpc");
}

void BenchWorld::link(const fs::path& target, const fs::path& link) const {
  fs::create_symlink(fs::absolute(target), link);
}

std::vector<std::string> BenchWorld::environment(const std::string& argument,
                                                 const fs::path& config_dir) const {
  // A state directory per config: the proxy keeps there the stamp of the
  // config it found valid, and a machine has one config, not two in turn.
  const fs::path state_dir = root_ / ("state-" + config_dir.filename().string());
  const char* path = std::getenv("PATH");
  // What qrexec-agent gives a service, and the emulation's and the proxy's
  // overrides (a real qrexec-agent strips every other QREXEC_* variable and
  // passes none of these).
  return {
      std::string("PATH=") + (path != nullptr ? path : "/usr/bin:/bin"),
      "QREXEC_REMOTE_DOMAIN=src",
      "QREXEC_SERVICE_ARGUMENT=" + argument,
      "QREXEC_EMU_ROOT=" + root_.string(),
      "QREXEC_EMU_QUBE=proxy",
      "QREXEC_PROXY_CONFIG_DIR=" + config_dir.string(),
      "QREXEC_PROXY_CLIENT=" + installation_.emulator.string(),
      "QREXEC_PROXY_STATE_DIR=" + state_dir.string(),
      "QREXEC_PROXY_PLUGIN_DIR=" + installation_.plugin_dir.string(),
  };
}

CallPlan BenchWorld::proxy_call(const std::string& chain_name, const std::string& service,
                                Config config) const {
  const std::string argument = chain_name + "+dst+" + service;
  CallPlan plan;
  plan.argv = {(root_ / "proxy/rpc/qrexec-proxy").string(), argument};
  const char* config_dir = config == Config::small   ? "config-small"
                           : config == Config::large ? "config-large"
                                                     : "config-filecopy";
  plan.environment = environment(argument, root_ / config_dir);
  plan.environment.push_back("QREXEC_SERVICE_FULL_NAME=qrexec-proxy+" + argument);
  return plan;
}

CallPlan BenchWorld::direct_call(const std::string& service) const {
  const std::string argument = "dst+" + service;
  CallPlan plan;
  plan.argv = {(root_ / "proxy/rpc/bench.Direct").string(), argument};
  plan.environment = environment(argument, root_ / "config-small");
  plan.environment.push_back("QREXEC_SERVICE_FULL_NAME=bench.Direct+" + argument);
  return plan;
}

}  // namespace qrexec_proxy::bench
