// The call's argument, the first thing the attacker controls: parsing and
// validation (parse_call_argument), where the argument comes from
// (find_call_argument) and how it is logged (escape_for_log); and the
// service name of a redirected call, whose argument the caller chose too
// (parse_called_service).
//
// Besides never crashing: the parser accepts exactly what an independent
// reading of the README's rules accepts, an accepted argument is exactly
// the sum of its parts, and an escaped string holds only printable ASCII.
#include "fuzz_check.hpp"
#include "input/call_request.hpp"
#include "input/called_service.hpp"
#include "log/log_text.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace qrexec_proxy;

bool service_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

bool all_of(std::string_view text, bool (*allowed)(char)) {
  for (const char c : text)
    if (!allowed(c)) return false;
  return true;
}

// The README's rules, written again from the text, independently of
// src/input/names.cpp.
bool reference_accepts(std::string_view argument) {
  const auto first = argument.find('+');
  if (first == std::string_view::npos) return false;
  const auto second = argument.find('+', first + 1);
  if (second == std::string_view::npos) return false;
  const std::string_view chain = argument.substr(0, first);
  const std::string_view target = argument.substr(first + 1, second - first - 1);
  const std::string_view rest = argument.substr(second + 1);
  const auto plus = rest.find('+');
  const std::string_view service = rest.substr(0, plus);

  if (chain.empty() || chain.size() > 64 || !all_of(chain, service_char) || chain[0] == '.' ||
      chain[0] == '-')
    return false;
  if (target.empty() || target.size() > 31 || !std::isalpha(static_cast<unsigned char>(target[0])))
    return false;
  for (const char c : target)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  if (target == "default" || target == "none") return false;
  // Reserved by Qubes: dom0's Xen name and device-model stub domains.
  if (target == "Domain-0" || (target.size() >= 3 && target.substr(target.size() - 3) == "-dm"))
    return false;
  if (service.empty() || service.size() > 255 || !all_of(service, service_char) ||
      service[0] == '.' || service[0] == '-')
    return false;
  if (plus != std::string_view::npos) {
    const std::string_view service_argument = rest.substr(plus + 1);
    if (service_argument.size() > 1024) return false;
    for (const char c : service_argument)
      if (!service_char(c) && c != '+') return false;
  }
  return true;
}

// A redirected call's NAME[+ARG], by the same rules.
bool reference_accepts_service(std::string_view full_name) {
  const auto plus = full_name.find('+');
  const std::string_view service = full_name.substr(0, plus);
  if (service.empty() || service.size() > 255 || !all_of(service, service_char) ||
      service[0] == '.' || service[0] == '-')
    return false;
  if (plus == std::string_view::npos) return true;
  const std::string_view argument = full_name.substr(plus + 1);
  if (argument.size() > 1024) return false;
  for (const char c : argument)
    if (!service_char(c) && c != '+') return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view untrusted(reinterpret_cast<const char*>(data), size);

  const CallRequestResult parsed = parse_call_argument(untrusted);
  FUZZ_CHECK(parsed.request.has_value() == reference_accepts(untrusted));
  if (parsed.request) {
    const CallRequest& request = *parsed.request;
    FUZZ_CHECK(parsed.error.empty());
    FUZZ_CHECK(request.chain + "+" + request.target + "+" + request.destination_call() ==
               untrusted);
    FUZZ_CHECK(request.service.find('+') == std::string::npos);
  } else {
    FUZZ_CHECK(!parsed.error.empty());
  }

  const CalledServiceResult called = parse_called_service(untrusted);
  FUZZ_CHECK(called.service.has_value() == reference_accepts_service(untrusted));
  if (called.service) {
    FUZZ_CHECK(called.service->full_name() == untrusted);
    FUZZ_CHECK(called.service->name.find('+') == std::string::npos);
  }

  for (const std::size_t limit : {std::size_t{0}, std::size_t{7}, std::size_t{256}}) {
    const std::string escaped = escape_for_log(untrusted, limit);
    for (const char c : escaped) FUZZ_CHECK(c >= 0x20 && c < 0x7f);
    const std::size_t kept = std::min(limit, size);
    FUZZ_CHECK(escaped.size() <= 4 * kept + 3);
    if (size > limit) FUZZ_CHECK(escaped.ends_with("..."));
  }

  // argv[1] wins when given and non-empty; the environment otherwise.
  const std::string argv1(untrusted);  // a C string ends at the first NUL
  const char* argv[] = {"qrexec-proxy", argv1.c_str(), nullptr};
  const auto found = find_call_argument(2, argv, "from-env");
  FUZZ_CHECK(found.has_value());
  if (argv1.c_str()[0] != '\0')
    FUZZ_CHECK(*found == std::string_view(argv1.c_str()));
  else
    FUZZ_CHECK(*found == "from-env");
  FUZZ_CHECK(!find_call_argument(1, argv, nullptr).has_value());
  return 0;
}
