// allow: the chain itself names who may call whom, beside dom0 policy.
#include "log/log_text.hpp"
#include "plugin_api/registry.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fnmatch.h>

namespace qrexec_proxy {
namespace {

bool is_glob_char(char c) {
  return c == '*' || c == '?' || c == '[' || c == ']' || c == '!';
}
bool is_qube_pattern_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || is_glob_char(c);
}
bool is_service_pattern_char(char c) {
  return is_qube_pattern_char(c) || c == '.' || c == '+';
}

// Patterns are fnmatch(3) globs without flags: qube and service names hold
// no '/', no leading-dot rule applies, and no '\' can appear to escape.
bool glob_matches(const std::string& pattern, const std::string& name) {
  return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

struct PatternList {
  const char* option;
  bool (*allowed_char)(char);
  const char* what;  // for messages: "qube name", "service"
};

constexpr PatternList kSources{"sources", is_qube_pattern_char, "qube name"};
constexpr PatternList kTargets{"targets", is_qube_pattern_char, "qube name"};
constexpr PatternList kServices{"services", is_service_pattern_char, "service"};

std::optional<OptionError> check_patterns(const PatternList& list, const PluginOptions& options) {
  for (const std::string& pattern : options.string_list(list.option)) {
    if (pattern.empty()) return OptionError{list.option, "holds an empty pattern"};
    if (pattern.size() > 1024)
      return OptionError{list.option, "holds a pattern longer than 1024 characters"};
    if (!std::all_of(pattern.begin(), pattern.end(), list.allowed_char))
      return OptionError{list.option, "pattern \"" + escape_for_log(pattern) +
                                          "\" holds a character no " + list.what +
                                          " has (nor * ? [ ] !)"};
  }
  return std::nullopt;
}

std::optional<OptionError> validate_allow(const PluginOptions& options) {
  for (const PatternList* list : {&kSources, &kTargets, &kServices})
    if (auto error = check_patterns(*list, options)) return error;
  return std::nullopt;
}

class Allow final : public Plugin {
 public:
  explicit Allow(const PluginOptions& options)
      : sources_(options.string_list("sources")),
        targets_(options.string_list("targets")),
        services_(options.string_list("services")) {}

  Admission on_start(PluginContext& context) override {
    const CallInfo& call = context.call();
    if (!any_matches(sources_, call.source))
      return Admission::refuse("allow: source " + call.source + " is not in sources");
    if (!any_matches(targets_, call.target))
      return Admission::refuse("allow: target " + call.target + " is not in targets");
    // SERVICE[+ARG]: a pattern with a '+' is matched against all of it, one
    // without against the service name alone (any argument).
    const std::string service_name = call.service.substr(0, call.service.find('+'));
    const bool service_allowed =
        std::any_of(services_.begin(), services_.end(), [&](const std::string& pattern) {
          return glob_matches(pattern,
                              pattern.find('+') == std::string::npos ? service_name : call.service);
        });
    if (!service_allowed)
      return Admission::refuse("allow: service " + call.service + " is not in services");
    return Admission::admit();
  }

 private:
  static bool any_matches(const std::vector<std::string>& patterns, const std::string& name) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& pattern) { return glob_matches(pattern, name); });
  }

  std::vector<std::string> sources_;
  std::vector<std::string> targets_;
  std::vector<std::string> services_;
};

PluginDescriptor describe_allow() {
  const std::vector<std::string> anything{"*"};
  PluginDescriptor descriptor{
      "allow",
      "Lets the chain itself restrict who may call whom, beside dom0 policy.",
      "Before the destination is contacted, the calling qube, the destination qube and the "
      "destination service must each match one pattern of their list; otherwise the call is "
      "refused with status 126 and the destination never starts. A defence in depth: a chain "
      "meant for one purpose cannot be used for another through a too-wide dom0 policy. Patterns "
      "are shell globs (`*` any run of characters, `?` one character, `[a-z]` and `[!a-z]` one "
      "character in or not in a set), matched against the whole name and case-sensitive. They "
      "may hold only characters of the names they match plus `* ? [ ] !`, and no pattern may be "
      "empty; an empty list allows nothing, a missing one anything. Services: a pattern without "
      "`+` matches the service name whatever its argument (`my.Service` matches `my.Service` "
      "and `my.Service+x`); a pattern with `+` matches SERVICE+ARG as a whole (`my.Service+x*` "
      "matches `my.Service+x1`, not `my.Service`).",
      {
          OptionSpec::string_list("sources", "Patterns of calling qubes allowed.")
              .with_default(anything),
          OptionSpec::string_list("targets", "Patterns of destination qubes allowed.")
              .with_default(anything),
          OptionSpec::string_list("services",
                                  "Patterns of destination services allowed (SERVICE, or "
                                  "SERVICE+ARG when the pattern holds a `+`).")
              .with_default(anything),
      },
      [](const PluginOptions& options) { return std::make_unique<Allow>(options); },
  };
  descriptor.validate = validate_allow;
  return descriptor;
}

}  // namespace

QREXEC_PROXY_REGISTER_PLUGIN(describe_allow);

}  // namespace qrexec_proxy
