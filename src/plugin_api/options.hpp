// Plugin options: each plugin declares its options once (name, type, default,
// meaning); config values are checked against that at load, so a plugin only
// ever reads values of the right type and range.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace qrexec_proxy {

enum class OptionType : std::uint8_t {
  integer,      // JSON integer
  number,       // JSON number (seconds, rates)
  boolean,      // JSON true/false
  string,       // JSON string
  choice,       // JSON string, one of OptionSpec::choices
  string_list,  // JSON array of strings
};
std::string_view to_string(OptionType type);

using OptionValue = std::variant<std::int64_t, double, bool, std::string, std::vector<std::string>>;

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::integer;
  std::optional<OptionValue> default_value;  // none: the option is required
  std::string meaning;
  // For integer and number options: inclusive bounds.
  std::optional<double> minimum;
  std::optional<double> maximum;
  // For choice options: the accepted strings.
  std::vector<std::string> choices;
  // For integer and number options: the value that switches the limit off
  // (e.g. -1 = unlimited), allowed beside [minimum, maximum].
  std::optional<double> off_value;
  // A further check of a value of the right type (a path must be absolute,
  // say): returns what is wrong with it, or an empty string.
  std::function<std::string(const OptionValue&)> check = nullptr;

  // Declares an option in one expression: a factory per type, then the
  // setters it needs, each returning the spec by value.
  //   OptionSpec::integer("limit", "Bytes ...; -1 for no limit.")
  //       .with_default(std::int64_t{-1}).at_least(0).or_off(-1)
  //   OptionSpec::choice("decode", "How ...", {"base64", "hex"}).with_default("base64")
  // Without with_default the option is required. A setter that does not
  // fit the type (a range on a string, a default of another type or not
  // among the choices) is a programming error: it throws std::logic_error
  // when the plugin registers. The struct stays an aggregate, so specs may
  // also be brace-initialised field by field.
  static OptionSpec integer(std::string option_name, std::string option_meaning);
  static OptionSpec number(std::string option_name, std::string option_meaning);
  static OptionSpec boolean(std::string option_name, std::string option_meaning);
  static OptionSpec string(std::string option_name, std::string option_meaning);
  static OptionSpec choice(std::string option_name, std::string option_meaning,
                           std::vector<std::string> accepted);
  static OptionSpec string_list(std::string option_name, std::string option_meaning);

  // The default; a whole number is taken for a number option too.
  [[nodiscard]] OptionSpec with_default(OptionValue value) &&;
  // Inclusive bounds, for integer and number options.
  [[nodiscard]] OptionSpec at_least(double bound) &&;
  [[nodiscard]] OptionSpec at_most(double bound) &&;
  // The value that switches the limit off, allowed beside the bounds.
  [[nodiscard]] OptionSpec or_off(double off) &&;
  [[nodiscard]] OptionSpec checked_by(std::function<std::string(const OptionValue&)> checker) &&;
};

// Renders a value the way the config writes it: 10485760, 0.5, true, "str".
std::string format_option_value(const OptionValue& value);

// An instance's options, complete (defaults filled in) and validated.
class PluginOptions {
 public:
  PluginOptions() = default;
  explicit PluginOptions(std::map<std::string, OptionValue, std::less<>> values)
      : values_(std::move(values)) {}

  std::int64_t integer(std::string_view name) const;
  double number(std::string_view name) const;
  bool boolean(std::string_view name) const;
  const std::string& string(std::string_view name) const;
  const std::vector<std::string>& string_list(std::string_view name) const;
  // The common "mode" option is "audit".
  bool audit() const;
  const std::map<std::string, OptionValue, std::less<>>& values() const { return values_; }

 private:
  const OptionValue& at(std::string_view name) const;
  std::map<std::string, OptionValue, std::less<>> values_;
};

struct OptionError {
  std::string option;  // empty when the error is about the whole object
  std::string message;
};

// Options every plugin accepts besides its own, handled by the engine.
// "mode": "enforce" (default) or "audit" (log what would be done, let the
// traffic pass).
const std::vector<OptionSpec>& common_option_specs();
inline constexpr std::string_view kModeOption = "mode";

// Checks `config` (a JSON object, or null for "no config") against `specs`
// and the common options. Returns the options or the first problem found.
std::variant<PluginOptions, OptionError> validate_options(const std::vector<OptionSpec>& specs,
                                                          const nlohmann::json& config);

}  // namespace qrexec_proxy
