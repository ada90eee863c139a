// `qrexec-proxy-admin stats [--since TIME] [--by chain|source|target]`:
// per group, the calls the journal holds and how they went.
#pragma once

#include "admin/admin_context.hpp"
#include "admin/journal/call_stats.hpp"

#include <optional>
#include <string>

namespace qrexec_proxy::admin {

struct StatsOptions {
  std::optional<std::string> since;  // as typed: see time_spec.hpp
  StatsGroup by = StatsGroup::chain;
  bool json = false;
};

int stats_command(const AdminContext& context, const StatsOptions& options);

}  // namespace qrexec_proxy::admin
