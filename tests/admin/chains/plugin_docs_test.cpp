#include "admin/chains/plugin_docs.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace qrexec_proxy {
namespace {

PluginDescriptor example() {
  OptionSpec limit{"limit",
                   OptionType::integer,
                   std::int64_t{-1},
                   "Bytes to let through.",
                   0.0,
                   std::nullopt,
                   {},
                   -1.0};
  OptionSpec decode{"decode",
                    OptionType::choice,
                    std::string("base64"),
                    "How to show bytes.",
                    {},
                    {},
                    {"base64", "hex"},
                    {}};
  OptionSpec needed{"needed", OptionType::number, std::nullopt, "Must be set.", {}, {}, {}, {}};
  return {"example",
          "Shows how a plugin is documented.",
          "First paragraph, long enough to be wrapped: " + std::string(60, 'x') +
              " and some more words after it.\n\nSecond paragraph.",
          {limit, decode, needed},
          nullptr};
}

TEST(PluginDocs, DescribesOptionTypes) {
  const auto plugin = example();
  EXPECT_EQ(describe_option_type(plugin.options[0]), "integer, default -1");
  EXPECT_EQ(describe_option_type(plugin.options[1]), "choice of base64, hex, default \"base64\"");
  EXPECT_EQ(describe_option_type(plugin.options[2]), "number, required");
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
                "  limit (integer, default -1)\n"
                "      Bytes to let through.\n"
                "  decode (choice of base64, hex, default \"base64\")\n"
                "      How to show bytes.\n"
                "  needed (number, required)\n"
                "      Must be set.\n");
  for (const std::string piece :
       {"Shows how a plugin is documented.", "Second paragraph.", "Bytes to let through.",
        "integer, default -1", "number, required"}) {
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
