// One plugin of the chain a call runs: its instance, as the config made it.
#pragma once

#include "plugin_api/plugin.hpp"

#include <memory>
#include <string>

namespace qrexec_proxy {

struct ChainPlugin {
  std::string name;
  std::unique_ptr<Plugin> plugin;
  bool audit = false;  // the common option "mode": "audit"
};

}  // namespace qrexec_proxy
