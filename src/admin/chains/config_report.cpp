#include "admin/chains/config_report.hpp"

#include <ostream>

namespace qrexec_proxy::admin {

void warn_if_invalid(const AdminContext& context, const Config& config) {
  if (config.valid()) return;
  const std::size_t count = config.problems.size();
  context.err << "qrexec-proxy-admin: warning: the config has " << count
              << (count == 1 ? " problem" : " problems")
              << "; the service fails every call until `qrexec-proxy-admin check` passes\n";
}

}  // namespace qrexec_proxy::admin
