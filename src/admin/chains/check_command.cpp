#include "admin/chains/check_command.hpp"

#include "admin/output/json_output.hpp"

#include <ostream>

namespace qrexec_proxy::admin {
namespace {

nlohmann::json problem_json(const ConfigProblem& problem) {
  auto optional_text = [](const std::string& text) {
    return text.empty() ? nlohmann::json() : nlohmann::json(text);
  };
  return {
      {"file", problem.file.string()},
      {"line", problem.line > 0 ? nlohmann::json(problem.line) : nlohmann::json()},
      {"column", problem.line > 0 ? nlohmann::json(problem.column) : nlohmann::json()},
      {"chain", optional_text(problem.chain)},
      {"plugin", optional_text(problem.plugin)},
      {"option", optional_text(problem.option)},
      {"message", problem.message},
      {"text", problem.format()},
  };
}

std::string plural(std::size_t count, const char* one, const char* many) {
  return std::to_string(count) + " " + (count == 1 ? one : many);
}

}  // namespace

int check_command(const AdminContext& context, const CheckOptions& options) {
  const Config config = context.load();
  const int status = config.valid() ? admin_status::ok : admin_status::failure;
  if (options.json) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& file : config.files) files.push_back(file.string());
    for (const auto& file : config.route_files) files.push_back(file.string());
    for (const auto& file : config.proxy_files) files.push_back(file.string());
    nlohmann::json problems = nlohmann::json::array();
    for (const auto& problem : config.problems) problems.push_back(problem_json(problem));
    nlohmann::json dom0_chains = nlohmann::json::array();
    for (const auto& [name, chain] : config.chains)
      if (chain.allow_dom0) dom0_chains.push_back(name);
    context.out << json_text(
        {{"valid", config.valid()},
         {"files", files},
         {"chains", config.chains.size()},
         {"routes", config.routes.routes.size()},
         {"allow_dom0", dom0_chains},
         {"proxy",
          {{"max_calls", config.proxy.max_calls},
           {"finish_timeout", config.proxy.finish_timeout
                                  ? nlohmann::json(config.proxy.finish_timeout->count())
                                  : nlohmann::json(-1)}}},
         {"problems", problems}});
    return status;
  }
  for (const auto& problem : config.problems) context.out << printable(problem.format()) << '\n';
  if (!config.valid()) {
    context.err << "qrexec-proxy-admin: " << plural(config.problems.size(), "problem", "problems")
                << "; the service fails every call until they are fixed\n";
    return status;
  }
  if (config.files.empty() && config.route_files.empty() && config.proxy_files.empty()) {
    context.out << "No config files in " << printable(context.locations())
                << ": every call will be refused (no chains).\n";
    return status;
  }
  context.out << "The config is valid: " << plural(config.chains.size(), "chain", "chains");
  if (!config.routes.routes.empty())
    context.out << " and " << plural(config.routes.routes.size(), "route", "routes");
  context.out << " in "
              << plural(config.files.size() + config.route_files.size() + config.proxy_files.size(),
                        "file", "files")
              << ".\n";
  std::string dom0_chains;
  for (const auto& [name, chain] : config.chains)
    if (chain.allow_dom0) dom0_chains += (dom0_chains.empty() ? "" : ", ") + name;
  if (!dom0_chains.empty())
    context.out << "Chains that let calls reach dom0 (\"allow_dom0\": true): " << dom0_chains
                << ".\n";
  return status;
}

}  // namespace qrexec_proxy::admin
