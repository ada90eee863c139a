#include "plugin_api/options.hpp"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

#include <stdexcept>

namespace qrexec_proxy {
namespace {

using nlohmann::json;

enum class Decode : std::uint8_t { base64, hex };
enum class Other : std::uint8_t { x };

std::vector<OptionSpec> specs() {
  return {
      OptionSpec::integer("limit", "bytes").with_default(std::int64_t{-1}).at_least(0).or_off(-1),
      OptionSpec::number("delay", "seconds").with_default(0.5).at_least(0).at_most(60),
      OptionSpec::choice<Decode>("decode", "how",
                                 {{"base64", Decode::base64}, {"hex", Decode::hex}})
          .with_default("base64"),
      OptionSpec::boolean("flag", "on/off").with_default(false),
      OptionSpec::string_list("names", "names").with_default(std::vector<std::string>{}),
      OptionSpec::integer("needed", "must be set").at_least(1),
  };
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

TEST(ValidateOptions, GivesEachChoiceAsItsEnum) {
  EXPECT_EQ(valid({{"needed", 1}}).choice<Decode>("decode"), Decode::base64);
  EXPECT_EQ(valid({{"needed", 1}, {"decode", "hex"}}).choice<Decode>("decode"), Decode::hex);
  // Asking for another enum, or for an option that is no choice, is a bug.
  EXPECT_THROW((void)valid({{"needed", 1}}).choice<Other>("decode"), std::logic_error);
  EXPECT_THROW((void)valid({{"needed", 1}}).choice<Decode>("limit"), std::logic_error);
  // The common mode option too.
  EXPECT_FALSE(valid({{"needed", 1}}).audit());
  EXPECT_TRUE(valid({{"needed", 1}, {"mode", "audit"}}).audit());
}

TEST(ValidateOptions, EchoesNoControlByteOfTheConfig) {
  const auto error = invalid({{"needed", 1}, {"decode", "a\x1b[2Jb"}});
  EXPECT_EQ(error.message, "must be one of base64, hex, not \"a\\x1b[2Jb\"");
  EXPECT_EQ(invalid({{"needed", 1}, {"lim\nit", 5}}).option, "lim\\x0ait");
}

TEST(DescribeRange, SaysTheBoundsAndWhatTheOffValueMeans) {
  EXPECT_EQ(describe_range(specs()[0]), "at least 0 (or -1 for none)");
  EXPECT_EQ(describe_range(specs()[1]), "between 0 and 60");
  EXPECT_EQ(describe_range(specs()[3]), "");
  EXPECT_EQ(
      describe_range(OptionSpec::integer("burst", "").at_least(1).or_off(-1, "a second's worth")),
      "at least 1 (or -1 for a second's worth)");
  EXPECT_EQ(describe_range(OptionSpec::number("t", "").at_most(5)), "at most 5");
}

TEST(OptionSpecBuilder, BuiltSpecsValidateLikeSpelledOutOnes) {
  const std::vector<OptionSpec> built{
      OptionSpec::integer("limit", "bytes").with_default(-1).at_least(0).or_off(-1),
      OptionSpec::number("delay", "seconds").with_default(0.5).at_least(0).at_most(60),
      OptionSpec::string("path", "a path").with_default(std::string()),
  };
  const auto options = validate_options(built, json::object());
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(options));
  EXPECT_EQ(std::get<PluginOptions>(options).integer("limit"), -1);
  EXPECT_DOUBLE_EQ(std::get<PluginOptions>(options).number("delay"), 0.5);
  EXPECT_EQ(std::get<PluginOptions>(options).string("path"), "");

  const auto below = validate_options(built, {{"limit", -2}});
  ASSERT_TRUE(std::holds_alternative<OptionError>(below));
  EXPECT_EQ(std::get<OptionError>(below).message, "must be at least 0 (or -1 for none), not -2");
  const auto above = validate_options(built, {{"delay", 61}});
  ASSERT_TRUE(std::holds_alternative<OptionError>(above));
  EXPECT_EQ(std::get<OptionError>(above).message, "must be between 0 and 60, not 61");
}

TEST(OptionSpecBuilder, LeavesAnOptionRequiredWithoutADefault) {
  const auto spec = OptionSpec::string("dir", "where");
  EXPECT_FALSE(spec.default_value.has_value());
  EXPECT_FALSE(spec.minimum || spec.maximum || spec.off_value);
  const auto result = validate_options({spec}, json::object());
  ASSERT_TRUE(std::holds_alternative<OptionError>(result));
  EXPECT_EQ(std::get<OptionError>(result).message, "required option is missing");
}

TEST(OptionSpecBuilder, StoresAWholeNumberDefaultOfANumberAsANumber) {
  const auto spec = OptionSpec::number("delay", "seconds").with_default(0);
  ASSERT_TRUE(spec.default_value.has_value());
  ASSERT_TRUE(std::holds_alternative<double>(*spec.default_value));
  EXPECT_EQ(std::get<double>(*spec.default_value), 0.0);
  const auto options = validate_options({spec}, json::object());
  ASSERT_TRUE(std::holds_alternative<PluginOptions>(options));
  EXPECT_EQ(std::get<PluginOptions>(options).number("delay"), 0.0);
}

TEST(OptionSpecBuilder, RefusesADeclarationThatDoesNotFitTheType) {
  EXPECT_THROW((void)OptionSpec::integer("n", "").with_default(0.5), std::logic_error);
  EXPECT_THROW((void)OptionSpec::integer("n", "").with_default("1"), std::logic_error);
  EXPECT_THROW((void)OptionSpec::boolean("b", "").with_default(std::int64_t{1}), std::logic_error);
  EXPECT_THROW((void)OptionSpec::string_list("l", "").with_default(std::string()),
               std::logic_error);
  EXPECT_THROW((void)OptionSpec::choice<Decode>("c", "", {{"a", Decode::base64}}).with_default("c"),
               std::logic_error);
  EXPECT_THROW((void)OptionSpec::choice<Decode>("c", "", {}), std::logic_error);
  EXPECT_THROW((void)OptionSpec::string("s", "").at_least(0), std::logic_error);
  EXPECT_THROW((void)OptionSpec::boolean("b", "").at_most(1), std::logic_error);
  EXPECT_THROW((void)OptionSpec::string_list("l", "").or_off(-1), std::logic_error);
  try {
    (void)OptionSpec::choice<Decode>("decode", "", {{"base64", Decode::base64}})
        .with_default("rot13");
    ADD_FAILURE() << "accepted a default that is not a choice";
  } catch (const std::logic_error& error) {
    EXPECT_STREQ(error.what(), "option decode (choice): the default is not one of the choices");
  }
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
