#include "core/options.hpp"

#include <nlohmann/json.hpp>

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

std::string range_text(const OptionSpec& spec) {
  std::string text;
  if (spec.minimum && spec.maximum) {
    text = "between " + format_number(*spec.minimum) + " and " + format_number(*spec.maximum);
  } else if (spec.minimum) {
    text = "at least " + format_number(*spec.minimum);
  } else if (spec.maximum) {
    text = "at most " + format_number(*spec.maximum);
  }
  if (spec.off_value) text += " (or " + format_number(*spec.off_value) + " for none)";
  return text;
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
        return "must be " + range_text(spec) + ", not " + std::to_string(number);
      return OptionValue(number);
    }
    case OptionType::number: {
      if (!value.is_number()) return std::string("must be a number, not ") + value.type_name();
      const double number = value.get<double>();
      if (!std::isfinite(number)) return std::string("must be a finite number");
      if (!in_range(spec, number))
        return "must be " + range_text(spec) + ", not " + format_number(number);
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
      return "must be one of " + accepted + ", not \"" + text + "\"";
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
  const auto it = values_.find(kModeOption);
  return it != values_.end() && std::get<std::string>(it->second) == "audit";
}

const std::vector<std::string>& PluginOptions::string_list(std::string_view name) const {
  return std::get<std::vector<std::string>>(at(name));
}

const std::vector<OptionSpec>& common_option_specs() {
  static const std::vector<OptionSpec> specs = [] {
    OptionSpec mode;
    mode.name = std::string(kModeOption);
    mode.type = OptionType::choice;
    mode.default_value = std::string("enforce");
    mode.choices = {"enforce", "audit"};
    mode.meaning =
        "enforce: the plugin acts. audit: the plugin's refusals, aborts, cuts and drops are logged "
        "(EVENT=audit) instead of done, and the traffic passes.";
    return std::vector<OptionSpec>{mode};
  }();
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
      if (spec == nullptr) return OptionError{key, "unknown option"};
      auto converted = convert(*spec, value);
      if (auto* message = std::get_if<std::string>(&converted)) return OptionError{key, *message};
      if (spec->check) {
        if (std::string problem = spec->check(std::get<OptionValue>(converted)); !problem.empty())
          return OptionError{key, std::move(problem)};
      }
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
  return PluginOptions(std::move(values));
}

}  // namespace qrexec_proxy
