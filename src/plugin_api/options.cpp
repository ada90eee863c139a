#include "plugin_api/options.hpp"

#include "log/log_text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace qrexec_proxy {
namespace {

std::string format_number(double value) {
  std::ostringstream out;
  out.precision(15);
  out << value;
  return out.str();
}

bool in_range(const OptionSpec& spec, double value) {
  if (spec.off_value && value == *spec.off_value) return true;
  if (spec.minimum && value < *spec.minimum) return false;
  if (spec.maximum && value > *spec.maximum) return false;
  return true;
}

std::variant<OptionValue, std::string> convert(const OptionSpec& spec,
                                               const nlohmann::json& value) {
  switch (spec.type) {
    case OptionType::integer: {
      std::int64_t number = 0;
      if (value.is_number_integer() && !value.is_number_unsigned()) {
        number = value.get<std::int64_t>();
      } else if (value.is_number_unsigned()) {
        if (value.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
          return std::string("is too large");
        number = static_cast<std::int64_t>(value.get<std::uint64_t>());
      } else if (value.is_number_float()) {
        const double d = value.get<double>();
        if (std::trunc(d) != d || std::fabs(d) > 9.0e15)
          return std::string("must be a whole number");
        number = static_cast<std::int64_t>(d);
      } else {
        return std::string("must be an integer, not ") + value.type_name();
      }
      if (!in_range(spec, static_cast<double>(number)))
        return "must be " + describe_range(spec) + ", not " + std::to_string(number);
      return OptionValue(number);
    }
    case OptionType::number: {
      if (!value.is_number()) return std::string("must be a number, not ") + value.type_name();
      const double number = value.get<double>();
      if (!std::isfinite(number)) return std::string("must be a finite number");
      if (!in_range(spec, number))
        return "must be " + describe_range(spec) + ", not " + format_number(number);
      return OptionValue(number);
    }
    case OptionType::boolean:
      if (!value.is_boolean())
        return std::string("must be true or false, not ") + value.type_name();
      return OptionValue(value.get<bool>());
    case OptionType::string:
      if (!value.is_string()) return std::string("must be a string, not ") + value.type_name();
      return OptionValue(value.get<std::string>());
    case OptionType::choice: {
      if (!value.is_string()) return std::string("must be a string, not ") + value.type_name();
      const auto text = value.get<std::string>();
      for (const auto& choice : spec.choices)
        if (choice == text) return OptionValue(text);
      std::string accepted;
      for (const auto& choice : spec.choices) accepted += (accepted.empty() ? "" : ", ") + choice;
      return "must be one of " + accepted + ", not \"" + escape_for_log(text, 64) + "\"";
    }
    case OptionType::string_list: {
      if (!value.is_array())
        return std::string("must be a list of strings, not ") + value.type_name();
      std::vector<std::string> list;
      for (const auto& item : value) {
        if (!item.is_string())
          return std::string("must be a list of strings, holds a ") + item.type_name();
        list.push_back(item.get<std::string>());
      }
      return OptionValue(std::move(list));
    }
  }
  return std::string("has an unknown type");
}

}  // namespace

std::string_view to_string(OptionType type) {
  switch (type) {
    case OptionType::integer:
      return "integer";
    case OptionType::number:
      return "number";
    case OptionType::boolean:
      return "boolean";
    case OptionType::string:
      return "string";
    case OptionType::choice:
      return "choice";
    case OptionType::string_list:
      return "list of strings";
  }
  return "unknown";
}

namespace {

OptionSpec make_spec(std::string name, OptionType type, std::string meaning) {
  OptionSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.meaning = std::move(meaning);
  return spec;
}

// Builder misuse is a mistake in a plugin's declaration, found the moment
// the plugin registers.
void require(bool fits, const OptionSpec& spec, std::string_view what) {
  if (!fits)
    throw std::logic_error("option " + spec.name + " (" + std::string(to_string(spec.type)) +
                           "): " + std::string(what));
}

bool is_numeric(OptionType type) {
  return type == OptionType::integer || type == OptionType::number;
}

// The OptionValue alternative each type's values are held in.
std::size_t value_index(OptionType type) {
  switch (type) {
    case OptionType::integer:
      return 0;
    case OptionType::number:
      return 1;
    case OptionType::boolean:
      return 2;
    case OptionType::string:
    case OptionType::choice:
      return 3;
    case OptionType::string_list:
      return 4;
  }
  return std::variant_npos;
}

}  // namespace

OptionSpec OptionSpec::integer(std::string option_name, std::string option_meaning) {
  return make_spec(std::move(option_name), OptionType::integer, std::move(option_meaning));
}
OptionSpec OptionSpec::number(std::string option_name, std::string option_meaning) {
  return make_spec(std::move(option_name), OptionType::number, std::move(option_meaning));
}
OptionSpec OptionSpec::boolean(std::string option_name, std::string option_meaning) {
  return make_spec(std::move(option_name), OptionType::boolean, std::move(option_meaning));
}
OptionSpec OptionSpec::string(std::string option_name, std::string option_meaning) {
  return make_spec(std::move(option_name), OptionType::string, std::move(option_meaning));
}
OptionSpec OptionSpec::make_choice(std::string option_name, std::string option_meaning) {
  return make_spec(std::move(option_name), OptionType::choice, std::move(option_meaning));
}

void OptionSpec::require_choices() const {
  require(!choices.empty(), *this, "a choice needs choices");
  require(choices.size() == choice_values.size(), *this, "every choice needs its value");
}
OptionSpec OptionSpec::string_list(std::string option_name, std::string option_meaning) {
  return make_spec(std::move(option_name), OptionType::string_list, std::move(option_meaning));
}

OptionSpec OptionSpec::with_default(OptionValue value) && {
  if (type == OptionType::number && std::holds_alternative<std::int64_t>(value))
    value = static_cast<double>(std::get<std::int64_t>(value));
  require(value.index() == value_index(type), *this, "the default is of another type");
  if (type == OptionType::choice) {
    const auto& text = std::get<std::string>(value);
    require(std::find(choices.begin(), choices.end(), text) != choices.end(), *this,
            "the default is not one of the choices");
  }
  default_value = std::move(value);
  return std::move(*this);
}

OptionSpec OptionSpec::at_least(double bound) && {
  require(is_numeric(type), *this, "only numbers have bounds");
  minimum = bound;
  return std::move(*this);
}

OptionSpec OptionSpec::at_most(double bound) && {
  require(is_numeric(type), *this, "only numbers have bounds");
  maximum = bound;
  return std::move(*this);
}

OptionSpec OptionSpec::or_off(double off, std::string off_value_meaning) && {
  require(is_numeric(type), *this, "only numbers have an off value");
  off_value = off;
  off_meaning = std::move(off_value_meaning);
  return std::move(*this);
}

std::string describe_range(const OptionSpec& spec) {
  std::string text;
  if (spec.minimum && spec.maximum) {
    text = "between " + format_number(*spec.minimum) + " and " + format_number(*spec.maximum);
  } else if (spec.minimum) {
    text = "at least " + format_number(*spec.minimum);
  } else if (spec.maximum) {
    text = "at most " + format_number(*spec.maximum);
  }
  if (spec.off_value)
    text += (text.empty() ? "" : " ") + std::string("(or ") + format_number(*spec.off_value) +
            " for " + spec.off_meaning + ")";
  return text;
}

std::string format_option_value(const OptionValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::int64_t>)
          return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>)
          return format_number(v);
        else if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          return nlohmann::json(v).dump();
        else
          return nlohmann::json(v).dump();
      },
      value);
}

const OptionValue& PluginOptions::at(std::string_view name) const {
  const auto it = values_.find(name);
  // Only reachable through a plugin asking for an option it did not declare:
  // a programming error caught by the plugin's own tests.
  if (it == values_.end()) throw std::logic_error("undeclared option: " + std::string(name));
  return it->second;
}

std::int64_t PluginOptions::integer(std::string_view name) const {
  return std::get<std::int64_t>(at(name));
}
double PluginOptions::number(std::string_view name) const {
  return std::get<double>(at(name));
}
bool PluginOptions::boolean(std::string_view name) const {
  return std::get<bool>(at(name));
}
const std::string& PluginOptions::string(std::string_view name) const {
  return std::get<std::string>(at(name));
}
bool PluginOptions::audit() const {
  return choices_.contains(kModeOption) && choice<Mode>(kModeOption) == Mode::audit;
}

const std::vector<std::string>& PluginOptions::string_list(std::string_view name) const {
  return std::get<std::vector<std::string>>(at(name));
}

const std::vector<OptionSpec>& common_option_specs() {
  static const std::vector<OptionSpec> specs{
      OptionSpec::choice<Mode>(
          std::string(kModeOption),
          "enforce: the plugin acts. audit: the plugin's refusals, aborts, cuts and drops are "
          "logged (EVENT=audit) instead of done, and the traffic passes.",
          {{"enforce", Mode::enforce}, {"audit", Mode::audit}})
          .with_default("enforce"),
  };
  return specs;
}

std::variant<PluginOptions, OptionError> validate_options(const std::vector<OptionSpec>& specs,
                                                          const nlohmann::json& config) {
  if (!config.is_null() && !config.is_object())
    return OptionError{"", std::string("options must be an object, not ") + config.type_name()};
  std::map<std::string, OptionValue, std::less<>> values;
  if (config.is_object()) {
    for (const auto& [key, value] : config.items()) {
      const OptionSpec* spec = nullptr;
      for (const auto& candidate : specs)
        if (candidate.name == key) spec = &candidate;
      for (const auto& candidate : common_option_specs())
        if (spec == nullptr && candidate.name == key) spec = &candidate;
      if (spec == nullptr) return OptionError{escape_for_log(key, 64), "unknown option"};
      auto converted = convert(*spec, value);
      if (auto* message = std::get_if<std::string>(&converted)) return OptionError{key, *message};
      values.emplace(key, std::move(std::get<OptionValue>(converted)));
    }
  }
  for (const auto& spec : common_option_specs())
    if (!values.contains(spec.name)) values.emplace(spec.name, *spec.default_value);
  for (const auto& spec : specs) {
    if (values.contains(spec.name)) continue;
    if (!spec.default_value) return OptionError{spec.name, "required option is missing"};
    values.emplace(spec.name, *spec.default_value);
  }
  PluginOptions options(std::move(values));
  // Each choice's value, for PluginOptions::choice.
  const auto record_choice = [&](const OptionSpec& spec) {
    if (spec.type != OptionType::choice) return;
    const auto& text = std::get<std::string>(options.values().at(spec.name));
    for (std::size_t i = 0; i < spec.choices.size(); ++i)
      if (spec.choices[i] == text)
        options.set_choice(spec.name, {spec.choice_values[i], spec.choice_type});
  };
  for (const auto& spec : common_option_specs()) record_choice(spec);
  for (const auto& spec : specs) record_choice(spec);
  return options;
}

}  // namespace qrexec_proxy
