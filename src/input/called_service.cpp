#include "input/called_service.hpp"

#include "input/call_request.hpp"
#include "input/names.hpp"

namespace qrexec_proxy {

std::string CalledService::full_name() const {
  return argument ? name + "+" + *argument : name;
}

CalledServiceResult parse_called_service(std::string_view untrusted_full_name) {
  const auto plus = untrusted_full_name.find('+');
  const std::string_view untrusted_name = untrusted_full_name.substr(0, plus);
  if (!names::is_service_name(untrusted_name)) return {std::nullopt, "invalid service name"};
  CalledService service{std::string(untrusted_name), std::nullopt};
  if (plus != std::string_view::npos) {
    const std::string_view untrusted_argument = untrusted_full_name.substr(plus + 1);
    if (untrusted_argument.size() > names::max_service_argument ||
        !names::is_service_argument(untrusted_argument))
      return {std::nullopt, "invalid service argument"};
    service.argument = std::string(untrusted_argument);
  }
  return {std::move(service), {}};
}

std::optional<std::string> find_called_service(int argc, const char* const* argv,
                                               const char* untrusted_env_full_name,
                                               const char* untrusted_env_argument) {
  // An empty variable is no name (an agent that sets it always fills it).
  if (untrusted_env_full_name != nullptr && *untrusted_env_full_name != '\0')
    return std::string(untrusted_env_full_name);
  if (argc < 1 || argv[0] == nullptr) return std::nullopt;
  const std::string_view program = argv[0];
  std::string name(program.substr(program.rfind('/') + 1));
  if (name.find('+') == std::string::npos)
    if (const auto argument = find_call_argument(argc, argv, untrusted_env_argument))
      name += "+" + std::string(*argument);
  return name;
}

}  // namespace qrexec_proxy
