// pass: forwards every byte both ways, unchanged.
#include "plugin_api/registry.hpp"

namespace qrexec_proxy {
namespace {

class Pass final : public Plugin {};  // Plugin's defaults pass everything.

PluginDescriptor describe_pass() {
  return {
      "pass",
      "Forwards every byte both ways, unchanged.",
      "Does nothing but take part in the chain: useful to check a setup and to measure what a "
      "plugin costs. Its bytes move without being copied.",
      {},
      [](const PluginOptions&) { return std::make_unique<Pass>(); },
  };
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_pass);

}  // namespace qrexec_proxy
