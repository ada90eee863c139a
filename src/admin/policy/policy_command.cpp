#include "admin/policy/policy_command.hpp"

#include "admin/chains/config_report.hpp"
#include "admin/policy/policy_lines.hpp"
#include "admin/output/table.hpp"
#include "input/names.hpp"

#include <climits>
#include <ostream>

#include <unistd.h>

namespace qrexec_proxy::admin {

std::string this_qube_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return {};
  return name;
}

int policy_command(const AdminContext& context, const PolicyOptions& options) {
  PolicyRequest request{options.chain, options.source, options.target, options.service,
                        options.proxy.value_or(this_qube_name())};
  const PolicyLines policy = make_policy_lines(request);
  if (!policy.error.empty()) {
    context.error(policy.error);
    if (!options.proxy && policy.error.starts_with("invalid proxy"))
      context.error("the host name is not a qube name: give the proxy qube with --proxy NAME");
    return admin_status::usage;
  }
  // Lines for a chain this qube does not have would only lead to refused calls.
  const Config config = context.load();
  warn_if_invalid(context, config);
  const ChainConfig* chain = config.find(options.chain);
  if (chain == nullptr) {
    context.error("no chain named \"" + options.chain + "\" in " + context.locations() +
                  " (see qrexec-proxy-admin list)");
    return admin_status::failure;
  }
  if (options.target == names::dom0) {
    if (!chain->allow_dom0) {
      context.error("chain \"" + options.chain +
                    "\" does not allow dom0 as the destination: the service refuses such calls. "
                    "Set \"allow_dom0\": true in the chain only if the source may use dom0's "
                    "services through it.");
      return admin_status::failure;
    }
    context.out << "# Through chain " << options.chain << " (\"allow_dom0\": true), "
                << options.source << " reaches dom0 services.\n";
  }
  Table lines({});
  for (const auto& line : policy.lines)
    lines.add_row({line[0], line[1], line[2], line[3], line[4]});
  context.out << lines.render(Style(false));
  return admin_status::ok;
}

}  // namespace qrexec_proxy::admin
