#include "admin/chains/plugin_docs.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace qrexec_proxy {
namespace {

enum class Shown { base64, hex };

PluginDescriptor example() {
  return {"example",
          "Shows how a plugin is documented.",
          "First paragraph, long enough to be wrapped: " + std::string(60, 'x') +
              " and some more words after it.\n\nSecond paragraph.",
          {OptionSpec::integer("limit", "Bytes to let through.")
               .with_default(std::int64_t{-1})
               .at_least(0)
               .or_off(-1, "all"),
           OptionSpec::choice<Shown>("decode", "How to show bytes.",
                                     {{"base64", Shown::base64}, {"hex", Shown::hex}})
               .with_default("base64"),
           OptionSpec::number("needed", "Must be set.").at_least(0.5).at_most(10)},
          nullptr};
}

TEST(PluginDocs, DescribesOptionTypesRangesAndChoicesFromTheSpec) {
  const auto plugin = example();
  EXPECT_EQ(describe_option_type(plugin.options[0]),
            "integer, at least 0 (or -1 for all), default -1");
  EXPECT_EQ(describe_option_type(plugin.options[1]), "choice of base64, hex, default \"base64\"");
  EXPECT_EQ(describe_option_type(plugin.options[2]), "number, between 0.5 and 10, required");
}

TEST(PluginDocs, PlainTextHoldsTheSameTextAsTheMarkdown) {
  PluginRegistry registry;
  registry.add(example());
  const std::string markdown = plugin_reference_markdown(registry);
  const std::string text = plugin_reference_text(*registry.find("example"), 60);
  EXPECT_EQ(text,
            "example: Shows how a plugin is documented.\n"
            "\n"
            "First paragraph, long enough to be wrapped:\n" +
                std::string(60, 'x') +
                "\n"
                "and some more words after it.\n"
                "\n"
                "Second paragraph.\n"
                "\n"
                "Options:\n"
                "  limit (integer, at least 0 (or -1 for all), default -1)\n"
                "      Bytes to let through.\n"
                "  decode (choice of base64, hex, default \"base64\")\n"
                "      How to show bytes.\n"
                "  needed (number, between 0.5 and 10, required)\n"
                "      Must be set.\n");
  for (const std::string piece :
       {"Shows how a plugin is documented.", "Second paragraph.", "Bytes to let through.",
        "integer, at least 0 (or -1 for all), default -1",
        "number, between 0.5 and 10, required"}) {
    EXPECT_NE(markdown.find(piece), std::string::npos) << piece;
    EXPECT_NE(text.find(piece), std::string::npos) << piece;
  }
}

TEST(PluginDocs, PlainTextLinesFitTheWidth) {
  PluginRegistry registry;
  registry.add(example());
  std::istringstream lines(plugin_reference_text(*registry.find("example"), 40));
  for (std::string line; std::getline(lines, line);) {
    if (line == std::string(60, 'x')) continue;  // one word longer than a line
    EXPECT_LE(line.size(), 40U) << line;
  }
}

TEST(PluginDocs, PluginWithoutOptionsSaysSo) {
  const PluginDescriptor plugin{"bare", "Nothing to set.", "Does little.", {}, nullptr};
  EXPECT_EQ(plugin_reference_text(plugin),
            "bare: Nothing to set.\n\nDoes little.\n\nNo options.\n");
}

}  // namespace
}  // namespace qrexec_proxy
