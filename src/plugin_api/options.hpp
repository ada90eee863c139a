// Plugin options: each plugin declares its options once (name, type, default,
// meaning); config values are checked against that at load, so a plugin only
// ever reads values of the right type and range.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <typeindex>
#include <typeinfo>
#include <utility>
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
  // What the option means. Its type, range, off value, choices and default
  // are rendered from the fields below: the meaning does not repeat them.
  std::string meaning;
  // For integer and number options: inclusive bounds.
  std::optional<double> minimum;
  std::optional<double> maximum;
  // For integer and number options: the value that switches the limit off
  // (e.g. -1 = unlimited), allowed beside [minimum, maximum], and what it
  // means ("no limit").
  std::optional<double> off_value;
  std::string off_meaning;
  // For choice options: the accepted strings, the value each stands for,
  // and the enum type those values belong to (PluginOptions::choice).
  std::vector<std::string> choices;
  std::vector<std::int64_t> choice_values;
  std::type_index choice_type = typeid(void);

  // Declares an option in one expression: a factory per type, then the
  // setters it needs, each returning the spec by value.
  //   OptionSpec::integer("limit", "Bytes to let through.")
  //       .with_default(std::int64_t{-1}).at_least(0).or_off(-1, "no limit")
  //   OptionSpec::choice<Decode>("decode", "How bytes are shown.",
  //                              {{"base64", Decode::base64}, {"hex", Decode::hex}})
  //       .with_default("base64")
  // Without with_default the option is required. A setter that does not
  // fit the type (a range on a string, a default of another type or not
  // among the choices) is a programming error: it throws std::logic_error
  // when the plugin is described. Checks of values beyond their type and
  // range go in the plugin's one validation hook (PluginDescriptor::validate).
  static OptionSpec integer(std::string option_name, std::string option_meaning);
  static OptionSpec number(std::string option_name, std::string option_meaning);
  static OptionSpec boolean(std::string option_name, std::string option_meaning);
  static OptionSpec string(std::string option_name, std::string option_meaning);
  template <typename Enum>
  static OptionSpec choice(std::string option_name, std::string option_meaning,
                           std::initializer_list<std::pair<const char*, Enum>> accepted) {
    OptionSpec spec = make_choice(std::move(option_name), std::move(option_meaning));
    for (const auto& [text, value] : accepted) {
      spec.choices.emplace_back(text);
      spec.choice_values.push_back(static_cast<std::int64_t>(value));
    }
    spec.choice_type = typeid(Enum);
    spec.require_choices();
    return spec;
  }
  static OptionSpec string_list(std::string option_name, std::string option_meaning);

  // The default; a whole number is taken for a number option too.
  [[nodiscard]] OptionSpec with_default(OptionValue value) &&;
  // Inclusive bounds, for integer and number options.
  [[nodiscard]] OptionSpec at_least(double bound) &&;
  [[nodiscard]] OptionSpec at_most(double bound) &&;
  // The value that switches the limit off, allowed beside the bounds, and
  // what it means.
  [[nodiscard]] OptionSpec or_off(double off, std::string off_value_meaning = "none") &&;

 private:
  static OptionSpec make_choice(std::string option_name, std::string option_meaning);
  void require_choices() const;
};

// "between 1 and 1000", "at least 0 (or -1 for no limit)": the range of a
// number option, as messages and the documentation give it; empty when it
// has none.
std::string describe_range(const OptionSpec& spec);

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
  // A choice option's value, as the enum its spec declared.
  template <typename Enum>
  Enum choice(std::string_view name) const {
    const auto it = choices_.find(name);
    if (it == choices_.end() || it->second.type != std::type_index(typeid(Enum)))
      throw std::logic_error("not a choice of this type: " + std::string(name));
    return static_cast<Enum>(it->second.value);
  }
  // The common "mode" option is "audit".
  bool audit() const;
  const std::map<std::string, OptionValue, std::less<>>& values() const { return values_; }

  // A choice's value, as validate_options records it.
  struct Choice {
    std::int64_t value;
    std::type_index type;
  };
  void set_choice(std::string name, Choice choice) { choices_.insert_or_assign(name, choice); }

 private:
  const OptionValue& at(std::string_view name) const;
  std::map<std::string, OptionValue, std::less<>> values_;
  std::map<std::string, Choice, std::less<>> choices_;
};

// The common "mode" option.
enum class Mode : std::uint8_t { enforce, audit };

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
