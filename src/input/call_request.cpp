#include "input/call_request.hpp"

#include "input/names.hpp"

namespace qrexec_proxy {

std::string CallRequest::destination_call() const {
  if (!service_argument) return service;
  return service + "+" + *service_argument;
}

CallRequestResult parse_call_argument(std::string_view untrusted_argument) {
  CallRequestResult result;
  // Bounded before any work: a longer argument cannot be a valid one.
  constexpr std::size_t max_argument = names::max_chain_name + 1 + names::max_qube_name + 1 +
                                       names::max_service_name + 1 + names::max_service_argument;
  if (untrusted_argument.size() > max_argument) {
    result.error = "argument too long (" + std::to_string(untrusted_argument.size()) + " bytes)";
    return result;
  }
  const auto first_plus = untrusted_argument.find('+');
  if (first_plus == std::string_view::npos) {
    result.error = "argument is not CHAIN+DST+SERVICE";
    return result;
  }
  const auto second_plus = untrusted_argument.find('+', first_plus + 1);
  if (second_plus == std::string_view::npos) {
    result.error = "argument is not CHAIN+DST+SERVICE";
    return result;
  }
  const std::string_view untrusted_chain = untrusted_argument.substr(0, first_plus);
  const std::string_view untrusted_target =
      untrusted_argument.substr(first_plus + 1, second_plus - first_plus - 1);
  const std::string_view untrusted_rest = untrusted_argument.substr(second_plus + 1);
  const auto service_plus = untrusted_rest.find('+');
  const std::string_view untrusted_service = untrusted_rest.substr(0, service_plus);

  if (!names::is_chain_name(untrusted_chain)) {
    result.error = "invalid chain name";
    return result;
  }
  if (!names::is_qube_name(untrusted_target)) {
    result.error = "invalid destination qube name";
    return result;
  }
  if (names::is_reserved_qube_name(untrusted_target)) {
    result.error = "the destination is a name Qubes reserves (Domain-0, NAME-dm)";
    return result;
  }
  if (!names::is_service_name(untrusted_service)) {
    result.error = "invalid destination service name";
    return result;
  }
  CallRequest request{std::string(untrusted_chain), std::string(untrusted_target),
                      std::string(untrusted_service), std::nullopt};
  if (service_plus != std::string_view::npos) {
    const std::string_view untrusted_service_argument = untrusted_rest.substr(service_plus + 1);
    if (!names::is_service_argument(untrusted_service_argument)) {
      result.error = "invalid destination service argument";
      return result;
    }
    request.service_argument = std::string(untrusted_service_argument);
  }
  result.request = std::move(request);
  return result;
}

std::optional<std::string_view> find_call_argument(int argc, const char* const* argv,
                                                   const char* untrusted_env_argument) {
  if (argc >= 2 && argv[1] != nullptr && argv[1][0] != '\0') return std::string_view(argv[1]);
  if (untrusted_env_argument != nullptr) return std::string_view(untrusted_env_argument);
  return std::nullopt;
}

}  // namespace qrexec_proxy
