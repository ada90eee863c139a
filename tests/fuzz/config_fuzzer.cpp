// The config loader and the chain validator: any file text, however broken,
// gives either chains that are complete and runnable or precise problems,
// never an exception or a crash. Every registered plugin takes part, so
// plugins added later are covered without changes here.
#include "config/config.hpp"
#include "fuzz_check.hpp"
#include "input/names.hpp"
#include "plugin_api/registry.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

namespace {

using namespace qrexec_proxy;

// `value` is a valid value of `spec`: the type it declares, in its range.
bool fits(const OptionSpec& spec, const OptionValue& value) {
  auto in_range = [&](double number) {
    if (spec.off_value && number == *spec.off_value) return true;
    return (!spec.minimum || number >= *spec.minimum) && (!spec.maximum || number <= *spec.maximum);
  };
  switch (spec.type) {
    case OptionType::integer:
      return std::holds_alternative<std::int64_t>(value) &&
             in_range(static_cast<double>(std::get<std::int64_t>(value)));
    case OptionType::number:
      return std::holds_alternative<double>(value) && std::isfinite(std::get<double>(value)) &&
             in_range(std::get<double>(value));
    case OptionType::boolean:
      return std::holds_alternative<bool>(value);
    case OptionType::string:
      return std::holds_alternative<std::string>(value);
    case OptionType::choice:
      if (!std::holds_alternative<std::string>(value)) return false;
      for (const auto& choice : spec.choices)
        if (choice == std::get<std::string>(value)) return true;
      return false;
    case OptionType::string_list:
      return std::holds_alternative<std::vector<std::string>>(value);
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const PluginRegistry& registry = PluginRegistry::builtin();
  const std::string text(reinterpret_cast<const char*>(data), size);
  const Config config = parse_config_text(text, "fuzz.json", registry);

  for (const auto& problem : config.problems) {
    FUZZ_CHECK(!problem.message.empty());
    FUZZ_CHECK(problem.format().starts_with("fuzz.json:"));
  }
  for (const auto& [name, chain] : config.chains) {
    FUZZ_CHECK(chain.name == name);
    FUZZ_CHECK(names::is_chain_name(name));
    FUZZ_CHECK(config.find(name) == &chain);
    for (const auto& plugin : chain.plugins) {
      FUZZ_CHECK(plugin.name != kDefaultEndpointName);
      FUZZ_CHECK(plugin.descriptor != nullptr && plugin.descriptor == registry.find(plugin.name));
      // Complete: every declared option has a valid value, and no other.
      FUZZ_CHECK(plugin.options.values().size() ==
                 plugin.descriptor->options.size() + common_option_specs().size());
      for (const auto& spec : common_option_specs()) {
        const auto value = plugin.options.values().find(spec.name);
        FUZZ_CHECK(value != plugin.options.values().end());
        FUZZ_CHECK(fits(spec, value->second));
      }
      for (const auto& spec : plugin.descriptor->options) {
        const auto value = plugin.options.values().find(spec.name);
        FUZZ_CHECK(value != plugin.options.values().end());
        FUZZ_CHECK(fits(spec, value->second));
      }
      // And runnable: a validated chain's plugins can be made.
      const auto instance = plugin.descriptor->create(plugin.options);
      FUZZ_CHECK(instance != nullptr);
      (void)instance->needs(Direction::src2dst);
      (void)instance->needs(Direction::dst2src);
    }
  }
  return 0;
}
