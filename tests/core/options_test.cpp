#include "core/options.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace qrexec_proxy {
namespace {

using nlohmann::json;

std::vector<OptionSpec> specs() {
  OptionSpec limit{"limit", OptionType::integer, std::int64_t{-1}, "bytes", 0.0, std::nullopt, {},
                   -1.0};
  OptionSpec delay{"delay", OptionType::number, 0.5, "seconds", 0.0, 60.0, {}, std::nullopt};
  OptionSpec decode{
      "decode", OptionType::choice, std::string("base64"), "how", {}, {}, {"base64", "hex"}, {}};
  OptionSpec flag{"flag", OptionType::boolean, false, "on/off", {}, {}, {}, {}};
  OptionSpec list{"names", OptionType::string_list, std::vector<std::string>{}, "names", {}, {}, {},
                  {}};
  OptionSpec required{"needed", OptionType::integer, std::nullopt, "must be set", 1.0, {}, {}, {}};
  return {limit, delay, decode, flag, list, required};
}

PluginOptions valid(const json& config) {
  auto result = validate_options(specs(), config);
  if (auto* error = std::get_if<OptionError>(&result)) {
    ADD_FAILURE() << error->option << ": " << error->message;
    return {};
  }
  return std::get<PluginOptions>(result);
}

OptionError invalid(const json& config) {
  auto result = validate_options(specs(), config);
  if (auto* error = std::get_if<OptionError>(&result)) return *error;
  ADD_FAILURE() << "accepted " << config.dump();
  return {};
}

TEST(ValidateOptions, FillsDefaults) {
  const auto options = valid({{"needed", 3}});
  EXPECT_EQ(options.integer("limit"), -1);
  EXPECT_DOUBLE_EQ(options.number("delay"), 0.5);
  EXPECT_EQ(options.string("decode"), "base64");
  EXPECT_FALSE(options.boolean("flag"));
  EXPECT_TRUE(options.string_list("names").empty());
  EXPECT_EQ(options.integer("needed"), 3);
}

TEST(ValidateOptions, TakesGivenValues) {
  const auto options = valid({{"needed", 1},
                              {"limit", 10485760},
                              {"delay", 2},
                              {"decode", "hex"},
                              {"flag", true},
                              {"names", {"a", "b"}}});
  EXPECT_EQ(options.integer("limit"), 10485760);
  EXPECT_DOUBLE_EQ(options.number("delay"), 2.0);
  EXPECT_EQ(options.string("decode"), "hex");
  EXPECT_TRUE(options.boolean("flag"));
  EXPECT_EQ(options.string_list("names"), (std::vector<std::string>{"a", "b"}));
}

TEST(ValidateOptions, AcceptsTheOffValueBesideTheRange) {
  EXPECT_EQ(valid({{"needed", 1}, {"limit", -1}}).integer("limit"), -1);
  EXPECT_EQ(valid({{"needed", 1}, {"limit", 0}}).integer("limit"), 0);
  EXPECT_EQ(valid({{"needed", 1}, {"limit", 4.0}}).integer("limit"), 4);
}

TEST(ValidateOptions, NamesTheOptionAndTheProblem) {
  auto error = invalid({{"needed", 1}, {"limti", 5}});
  EXPECT_EQ(error.option, "limti");
  EXPECT_EQ(error.message, "unknown option");

  error = invalid({{"needed", 1}, {"limit", -2}});
  EXPECT_EQ(error.option, "limit");
  EXPECT_EQ(error.message, "must be at least 0 (or -1 for none), not -2");

  error = invalid({{"needed", 1}, {"limit", "10"}});
  EXPECT_EQ(error.message, "must be an integer, not string");

  error = invalid({{"needed", 1}, {"limit", 1.5}});
  EXPECT_EQ(error.message, "must be a whole number");

  error = invalid({{"needed", 1}, {"delay", 61}});
  EXPECT_EQ(error.message, "must be between 0 and 60, not 61");

  error = invalid({{"needed", 1}, {"decode", "rot13"}});
  EXPECT_EQ(error.message, "must be one of base64, hex, not \"rot13\"");

  error = invalid({{"needed", 1}, {"flag", 1}});
  EXPECT_EQ(error.message, "must be true or false, not number");

  error = invalid({{"needed", 1}, {"names", {"a", 1}}});
  EXPECT_EQ(error.message, "must be a list of strings, holds a number");

  error = invalid(json::object());
  EXPECT_EQ(error.option, "needed");
  EXPECT_EQ(error.message, "required option is missing");

  error = invalid(json::array());
  EXPECT_EQ(error.message, "options must be an object, not array");
}

TEST(ValidateOptions, RunsTheOptionsOwnCheck) {
  OptionSpec path{"path", OptionType::string, std::string(), "a path", {}, {}, {}, {}};
  path.check = [](const OptionValue& value) -> std::string {
    return std::get<std::string>(value).starts_with('/') ? "" : "must be absolute";
  };
  EXPECT_TRUE(std::holds_alternative<PluginOptions>(validate_options({path}, {{"path", "/x"}})));
  const auto result = validate_options({path}, {{"path", "x"}});
  ASSERT_TRUE(std::holds_alternative<OptionError>(result));
  EXPECT_EQ(std::get<OptionError>(result).option, "path");
  EXPECT_EQ(std::get<OptionError>(result).message, "must be absolute");
  // Defaults are the plugin's own: not checked.
  EXPECT_TRUE(std::holds_alternative<PluginOptions>(validate_options({path}, json::object())));
}

TEST(FormatOptionValue, WritesValuesAsConfigDoes) {
  EXPECT_EQ(format_option_value(std::int64_t{10485760}), "10485760");
  EXPECT_EQ(format_option_value(0.5), "0.5");
  EXPECT_EQ(format_option_value(true), "true");
  EXPECT_EQ(format_option_value(std::string("hex")), "\"hex\"");
  EXPECT_EQ(format_option_value(std::vector<std::string>{"a"}), "[\"a\"]");
}

}  // namespace
}  // namespace qrexec_proxy
