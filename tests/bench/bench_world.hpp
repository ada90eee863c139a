// The benchmark's local qrexec emulation: qubes as directories (as in
// tests/support/emulation.hpp), the installed proxy service and the direct
// service in the qube "proxy", the benchmark services in "dst", and the
// proxy's configs: the benchmark's 10 chains, and the same padded to a
// given number of chains.
#pragma once

#include "agent_call.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace qrexec_proxy::bench {

struct Installation {
  std::filesystem::path service;         // the installed qrexec-proxy binary
  std::filesystem::path plugin_dir;      // its external plugins
  std::filesystem::path emulator;        // the qrexec-client-vm stand-in
  std::filesystem::path direct_service;  // the direct path
  std::filesystem::path services;        // the benchmark services (bench.Sink...)
};

// The chains of the 10-chain config the benchmark calls, by name.
namespace chain {
inline constexpr const char* none = "none";
inline constexpr const char* pass = "pass";
inline constexpr const char* count_only = "count-only";  // pass, byte_limit, timeout
inline constexpr const char* sniff = "sniff";            // decode hex, to the journal
inline constexpr const char* streamline = "streamline";  // zero delays
// Config::filecopy's chains (with pass, for comparison).
inline constexpr const char* filecopy = "filecopy";                // no hash
inline constexpr const char* filecopy_sha256 = "filecopy-sha256";  // "hash": "sha256"
}  // namespace chain

class BenchWorld {
 public:
  // `large_config_chains`: chains in the large config (10 or more).
  BenchWorld(Installation installation, std::size_t large_config_chains);
  ~BenchWorld();
  BenchWorld(const BenchWorld&) = delete;
  BenchWorld& operator=(const BenchWorld&) = delete;

  // small: the benchmark's 10 chains; large: padded with more; filecopy:
  // pass and the filecopy chains alone.
  enum class Config { small, large, filecopy };
  std::size_t chains_in(Config config) const;

  // A call of SERVICE[+ARG] in "dst" through the proxy with `chain`.
  CallPlan proxy_call(const std::string& chain_name, const std::string& service,
                      Config config = Config::small) const;
  // The same call on the direct path.
  CallPlan direct_call(const std::string& service) const;

 private:
  std::vector<std::string> environment(const std::string& argument,
                                       const std::filesystem::path& config_dir) const;
  void make_qube(const std::string& qube) const;
  void link(const std::filesystem::path& target, const std::filesystem::path& link) const;

  Installation installation_;
  std::filesystem::path root_;
  std::size_t large_chains_;
};

// The config of the filecopy measurements: chains pass, filecopy and
// filecopy-sha256.
std::string filecopy_config_text();

// The text of a config with the benchmark's 10 chains and, after them,
// `padding` more chains of every kind a real config holds.
std::string bench_config_text(std::size_t padding);

}  // namespace qrexec_proxy::bench
